import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, SessionMeterValuesRecordedSchema, SessionStartedSchema, SessionStoppedSchema, timestampFromDate } from '@roamgate/contracts';
import { sampleEvent } from '@roamgate/contracts/testing';
import { OcpiPushAttemptFailedSchema, OcpiPushDeliveredSchema, OcpiPushQueuedSchema } from '@roamgate/contracts';
import { evseOwnership } from '../imports/lookup';
import { ourCdrOf } from '../imports/our-cdrs';
import { emptyCdrFacts, emptyPushFacts, emptySessionFacts, issuedFacts, projectPushFacts, projectSessionFacts, sessionPushesOf, type PushFacts } from './fact-documents';

const at = (iso: string) => timestampFromDate(new Date(iso));

describe('reconciler facts', () => {
  it('keeps meter start and stop, peak power in W and the signed clock skew of frames not queued offline', () => {
    let facts = emptySessionFacts('S-1');
    facts = projectSessionFacts(facts, {
      type: 'SessionStarted',
      data: create(SessionStartedSchema, { sessionId: 'S-1', chargerId: 'CP-1', partnerId: 'NL-EMS', meterStartWh: '1000', occurredAt: at('2025-03-01T09:02:00Z'), receivedAt: at('2025-03-01T09:00:00Z') }),
    });
    facts = projectSessionFacts(facts, {
      type: 'SessionMeterValuesRecorded',
      data: create(SessionMeterValuesRecordedSchema, {
        sessionId: 'S-1',
        occurredAt: at('2025-03-01T09:10:00Z'),
        receivedAt: at('2025-03-01T09:10:00Z'),
        samples: [{ timestamp: at('2025-03-01T09:10:00Z'), values: [{ value: '7.4', measurand: 'Power.Active.Import', unit: 'kW' }, { value: '2.0005', unit: 'kWh' }] }],
      }),
    });
    facts = projectSessionFacts(facts, {
      type: 'SessionStopped',
      data: create(SessionStoppedSchema, { sessionId: 'S-1', meterStopWh: '3000', offline: true, occurredAt: at('2025-03-01T08:00:00Z'), receivedAt: at('2025-03-01T10:00:00Z') }),
    });
    assert.deepEqual(
      { start: facts.meterStartWh, stop: facts.meterStopWh, power: facts.maxPowerW, skew: facts.clockSkewS, stopped: facts.stopped, partner: facts.partnerId },
      { start: '1000', stop: '3000', power: '7400', skew: 120, stopped: true, partner: 'NL-EMS' },
    );
  });

  it('leaves the facts as they are (the same document) for meter values that raise neither the peak power nor the skew, nor add an anomaly', () => {
    const started = projectSessionFacts(emptySessionFacts('S-2'), {
      type: 'SessionStarted',
      data: create(SessionStartedSchema, { sessionId: 'S-2', chargerId: 'CP-1', meterStartWh: '0', occurredAt: at('2025-03-01T09:00:05Z'), receivedAt: at('2025-03-01T09:00:00Z') }),
    });
    const peak = projectSessionFacts(started, {
      type: 'SessionMeterValuesRecorded',
      data: create(SessionMeterValuesRecordedSchema, { sessionId: 'S-2', chargerId: 'CP-1', samples: [{ timestamp: at('2025-03-01T09:05:00Z'), values: [{ value: '11', measurand: 'Power.Active.Import', unit: 'kW' }] }] }),
    });
    assert.deepEqual([peak.maxPowerW, peak.clockSkewS], ['11000', 5]);
    const readings = (kw: string, skewS: number, anomalies: string[] = []) =>
      projectSessionFacts(peak, {
        type: 'SessionMeterValuesRecorded',
        data: create(SessionMeterValuesRecordedSchema, {
          sessionId: 'S-2',
          chargerId: 'CP-1',
          occurredAt: at(new Date(Date.parse('2025-03-01T09:10:00Z') + skewS * 1000).toISOString()),
          receivedAt: at('2025-03-01T09:10:00Z'),
          anomalies,
          samples: [{ timestamp: at('2025-03-01T09:10:00Z'), values: [{ value: kw, measurand: 'Power.Active.Import', unit: 'kW' }, { value: '12.5', unit: 'kWh' }] }],
        }),
      });
    assert.equal(readings('7.4', 5), peak, 'below the peak, the same skew, no anomaly: the same document');
    assert.equal(readings('11.0', -5), peak, 'the peak again, the skew as large with the other sign');
    assert.equal(readings('22', 5).maxPowerW, '22000');
    assert.equal(readings('7.4', -30).clockSkewS, -30, 'a larger skew');
    assert.deepEqual(readings('0', 5, ['METER_BACKWARDS']).anomalies, ['METER_BACKWARDS']);
  });

  it("reads the EVSE, token and authorization reference from the issued OCPI CDR", () => {
    const issued = sampleEvent('CdrIssued');
    const cdrJson = JSON.stringify({ authorization_reference: 'AUTH-9', cdr_location: { evse_uid: 'CP-1-1' }, cdr_token: { uid: 'TOK-1' } });
    const facts = issuedFacts(emptyCdrFacts(issued.cdrId), { ...issued, cdrJson });
    assert.deepEqual([facts.issued, facts.evseUid, facts.tokenUid, facts.authorizationReference], [true, 'CP-1-1', 'TOK-1', 'AUTH-9']);
    assert.equal(facts.amountExclVat, issued.totalCost?.exclVat);
    assert.equal(facts.tariff?.id, issued.tariffs[0]?.tariffId);
  });
  it('follows each OCPI push entry to acknowledged or failed, and sums the session pushes of a CDR for its partner', () => {
    const queued = (entryId: string, module: string, sessionId: string): PushFacts =>
      projectPushFacts(emptyPushFacts(entryId), { type: 'OcpiPushQueued', data: create(OcpiPushQueuedSchema, { partnerId: 'NL-EMS', entryId, module, objectId: sessionId, sessionId, method: 'PUT' }) });
    const failed = (doc: PushFacts, httpStatus: number): PushFacts =>
      projectPushFacts(doc, { type: 'OcpiPushAttemptFailed', data: create(OcpiPushAttemptFailedSchema, { partnerId: 'NL-EMS', entryId: doc.id, attempt: doc.failedAttempts + 1, httpStatus, error: httpStatus ? '' : 'ECONNREFUSED' }) });
    const delivered = (doc: PushFacts): PushFacts => projectPushFacts(doc, { type: 'OcpiPushDelivered', data: create(OcpiPushDeliveredSchema, { partnerId: 'NL-EMS', entryId: doc.id, attempt: 1, httpStatus: 200, ocpiStatusCode: 1000 }) });

    const put = failed(failed(queued('E-1', 'sessions', 'S-1'), 0), 0);
    const patch = failed(queued('E-2', 'sessions', 'S-1'), 0);
    const cdrPost = delivered(queued('E-3', 'cdrs', 'S-1'));
    assert.deepEqual([put.delivered, put.failedAttempts, put.lastError], [false, 2, 'ECONNREFUSED']);
    assert.deepEqual(sessionPushesOf([put, patch, cdrPost]), { acknowledged: 0, failedAttempts: 3, lastFailure: 'TRANSPORT' });
    assert.equal(delivered(put).delivered, true);
    assert.equal(failed(delivered(put), 500).failedAttempts, 2, 'a late failure after the acknowledgement changes nothing');
    assert.deepEqual(sessionPushesOf([delivered(put), failed(patch, 503)]), { acknowledged: 1, failedAttempts: 4, lastFailure: 'HTTP', lastHttpStatus: 503 });
    assert.equal(sessionPushesOf([cdrPost]), undefined, 'no session push: no fact');

    const cdr = { ...emptyCdrFacts('C-1'), issued: true, sessionId: 'S-1', partnerId: 'NL-EMS', delivery: 'FAILED' as const, deliveryAttempts: 1 };
    const other = { ...delivered(queued('E-9', 'sessions', 'S-1')), partnerId: 'BE-EMS' };
    assert.deepEqual(ourCdrOf(cdr, undefined, undefined, [put, patch, other]).sessionPushes, { acknowledged: 0, failedAttempts: 3, lastFailure: 'TRANSPORT' });
  });

  it('tells our EVSEs from others by location, CDR and registered charger, and cannot tell when it knows no EVSE at all', () => {
    const ours = evseOwnership(new Set(['CP-1-1', 'NL*RGT*E1']), new Set(['CP-2']));
    assert.deepEqual(['CP-1-1', 'NL*RGT*E1', 'CP-2-3', 'DE*XYZ*E1', 'CP-3-1'].map(ours), [true, true, true, false, false]);
    assert.equal(evseOwnership(new Set(), new Set())('CP-1-1'), undefined);
  });
});
