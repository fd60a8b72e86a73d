import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives the standalone defaults when nothing is set', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.eventStore, 'sqlite');
    assert.equal(c.bus, 'in-process');
    assert.equal(c.readModels, 'sqlite');
    assert.match(c.dataDir, /data$/);
    assert.equal(c.publicUrl, 'http://localhost:8080');
  });

  it('names the variable of a wrong setting and the value it got', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /PORT: .*\(got "eighty"\)/);
      return true;
    });
  });

  it('reports every problem at once', () => {
    assert.throws(() => loadConfig({ BUS: 'rabbit', ROAMGATE_ADMIN_TOKEN: 'short' }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.problems.length, 2);
      assert.match(e.message, /BUS:/);
      assert.match(e.message, /ROAMGATE_ADMIN_TOKEN: must be at least 16 characters/);
      return true;
    });
  });

  it('requires the broker list when the bus is Kafka', () => {
    assert.throws(() => loadConfig({ BUS: 'kafka' }), /KAFKA_BROKERS: is required when BUS=kafka/);
    assert.deepEqual(loadConfig({ BUS: 'kafka', KAFKA_BROKERS: 'a:9092, b:9092' }).kafkaBrokers, ['a:9092', 'b:9092']);
  });

  it('needs both TLS files or neither', () => {
    assert.throws(() => loadConfig({ TLS_CERT_FILE: '/etc/cert.pem' }), /TLS_KEY_FILE: is required when TLS_CERT_FILE is set/);
    assert.deepEqual(loadConfig({ TLS_CERT_FILE: 'c.pem', TLS_KEY_FILE: 'k.pem' }).tls, { certFile: 'c.pem', keyFile: 'k.pem' });
  });

  it('reads the OCPP settings', () => {
    const c = loadConfig({ OCPP_UNKNOWN_CHARGERS: 'pending', OCPP_COMMAND_TIMEOUT_S: '5' });
    assert.deepEqual(c.ocpp, { unknownChargers: 'pending', heartbeatIntervalS: 300, commandTimeoutS: 5, pingIntervalS: 30, messageLogRetentionDays: 90, lostTransactionGraceS: 600 });
    assert.throws(() => loadConfig({ OCPP_UNKNOWN_CHARGERS: 'accept' }), /OCPP_UNKNOWN_CHARGERS/);
    assert.equal(loadConfig({ OCPP_MESSAGE_LOG_RETENTION_DAYS: '0.5' }).ocpp.messageLogRetentionDays, 0.5);
    assert.throws(() => loadConfig({ OCPP_MESSAGE_LOG_RETENTION_DAYS: '-1' }), /OCPP_MESSAGE_LOG_RETENTION_DAYS/);
    assert.equal(loadConfig({ OCPP_LOST_TRANSACTION_GRACE_S: '0' }).ocpp.lostTransactionGraceS, 0);
    assert.throws(() => loadConfig({ OCPP_LOST_TRANSACTION_GRACE_S: '1.5' }), /OCPP_LOST_TRANSACTION_GRACE_S/);
  });

  it('treats empty variables as unset', () => {
    assert.equal(loadConfig({ PORT: '' }).port, 8080);
  });
});
