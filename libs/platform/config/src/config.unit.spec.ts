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

  it('treats empty variables as unset', () => {
    assert.equal(loadConfig({ PORT: '' }).port, 8080);
  });
});
