import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceToPlain } from 'class-transformer';
import { OcppVersion } from '@roamgate/contracts';
import { specExamples } from '../../testing/fixtures';
import { validateBody, validationProblems } from '../transport/validation';
import { backoffMs, commandResultOf } from './command-results';
import { COMMAND_DTOS, CommandResponseDto, CommandResultDto } from './commands.dto';
import { evseUidOf, parseEvseUid, resolveTarget } from './evse-mapping';

// The spec's examples folder has no mod_commands examples; these follow the object tables of mod_commands.asciidoc.
/** What goes over the wire: JSON drops the fields a DTO instance leaves undefined. */
const serialised = (dto: object): unknown => JSON.parse(JSON.stringify(instanceToPlain(dto)));
const token = specExamples('token_put_example')[0]!.json;
const url = 'https://emsp.example.com/ocpi/2.2.1/commands/START_SESSION/1234';
const requests = {
  START_SESSION: { response_url: url, token, location_id: 'LOC1', evse_uid: 'CP-1-1', connector_id: '1', authorization_reference: 'REF-1' },
  STOP_SESSION: { response_url: url, session_id: '01931f6e-8b59-7cc1-9a7e-4b1f1e2d3c4b' },
  UNLOCK_CONNECTOR: { response_url: url, location_id: 'LOC1', evse_uid: 'CP-1-1', connector_id: '1' },
  RESERVE_NOW: { response_url: url, token, expiry_date: '2030-01-01T10:00:00Z', reservation_id: 'R1', location_id: 'LOC1', evse_uid: 'CP-1-2' },
  CANCEL_RESERVATION: { response_url: 'http://emsp:9000/cb', reservation_id: 'R1' },
};

describe('mod_commands DTOs', () => {
  it('validates each command request and serialises it back without loss', () => {
    for (const [type, body] of Object.entries(requests)) {
      const dto = COMMAND_DTOS[type as keyof typeof COMMAND_DTOS];
      assert.deepEqual(serialised(validateBody(dto as new () => object, body)), body, type);
    }
  });

  it('names the missing or invalid field', () => {
    assert.deepEqual(validationProblems(COMMAND_DTOS.STOP_SESSION, { response_url: url }), ['session_id: must be a string', 'session_id: must be shorter than or equal to 36 characters', 'session_id: must be a CiString(36): printable ASCII']);
    assert.ok(validationProblems(COMMAND_DTOS.START_SESSION, { ...requests.START_SESSION, response_url: 'not a url' }).some((p) => p.startsWith('response_url: ')));
    assert.ok(validationProblems(COMMAND_DTOS.START_SESSION, { ...requests.START_SESSION, token: { ...(token as object), whitelist: 'X' } }).some((p) => p.startsWith('token.whitelist: ')));
    assert.ok(validationProblems(COMMAND_DTOS.START_SESSION, { response_url: url, location_id: 'LOC1' }).some((p) => p.startsWith('token: ')));
  });

  it('validates CommandResponse and CommandResult objects', () => {
    const response = { result: 'ACCEPTED', timeout: 30, message: [{ language: 'en', text: 'ok' }] };
    assert.deepEqual(serialised(validateBody(CommandResponseDto, response)), response);
    assert.deepEqual(serialised(validateBody(CommandResultDto, { result: 'TIMEOUT' })), { result: 'TIMEOUT' });
    assert.ok(validationProblems(CommandResultDto, { result: 'MAYBE' }).length > 0);
  });
});

describe('OCPI address mapping', () => {
  const charger16 = { chargerId: 'CP-1', locationId: 'LOC1', protocol: OcppVersion.OCPP_VERSION_1_6 };
  const charger201 = { chargerId: 'CS-2', locationId: '', protocol: OcppVersion.OCPP_VERSION_2_0_1 };

  it('splits evse uids at the last dash, so charger ids may contain dashes', () => {
    assert.deepEqual(parseEvseUid('CP-1-2'), { chargerId: 'CP-1', evseId: 2 });
    assert.equal(evseUidOf('CP-1', 2), 'CP-1-2');
    for (const bad of ['CP1', '-1', 'CP-0', 'CP-x', 'CP-']) assert.equal(parseEvseUid(bad), undefined, bad);
  });

  it('maps a 1.6 EVSE to its connector and a 2.0.1 EVSE to evse + connector', () => {
    assert.deepEqual(resolveTarget(charger16, { locationId: 'LOC1', evseUid: 'CP-1-2', connectorId: '1' }, false), { target: { chargerId: 'CP-1', evseId: 2, connectorId: 2 } });
    assert.deepEqual(resolveTarget(charger201, { locationId: 'CS-2', evseUid: 'CS-2-1', connectorId: '2' }, true), { target: { chargerId: 'CS-2', evseId: 1, connectorId: 2 } });
    assert.deepEqual(resolveTarget(charger201, { locationId: 'CS-2' }, false), { target: { chargerId: 'CS-2', evseId: 0, connectorId: 0 } });
  });

  it('rejects unknown locations, EVSEs and connectors with a reason', () => {
    assert.deepEqual(resolveTarget(undefined, { locationId: 'NOPE' }, false), { rejected: 'unknown location NOPE' });
    assert.deepEqual(resolveTarget(undefined, { locationId: 'LOC1', evseUid: 'X-1' }, false), { rejected: 'unknown EVSE X-1' });
    assert.deepEqual(resolveTarget(charger16, { locationId: 'LOC2', evseUid: 'CP-1-1' }, false), { rejected: 'EVSE CP-1-1 is not at location LOC2' });
    assert.match(String((resolveTarget(charger16, { locationId: 'LOC1', evseUid: 'CP-1-1', connectorId: '2' }, true) as { rejected: string }).rejected), /connector 2/);
    assert.deepEqual(resolveTarget(charger16, { locationId: 'LOC1' }, true), { rejected: 'evse_uid is required' });
    assert.match((resolveTarget(charger16, { locationId: 'LOC1', evseUid: 'nodash' }, false) as { rejected: string }).rejected, /unknown EVSE nodash/);
  });
});

describe('CommandResult', () => {
  it('is derived from the command outcome', () => {
    assert.deepEqual(commandResultOf('CommandTimedOut', { timeoutSeconds: 30 }), { result: 'TIMEOUT', message: [{ language: 'en', text: 'the charger did not answer within 30 s' }] });
    assert.deepEqual(commandResultOf('CommandAnswered', { result: 'COMMAND_RESULT_ACCEPTED', status: 'Accepted' }), { result: 'ACCEPTED', message: [{ language: 'en', text: 'charger answered Accepted' }] });
    assert.deepEqual(commandResultOf('CommandFailed', { result: 'COMMAND_RESULT_FAILED', reason: 'charger CP-1 is not connected' }).result, 'FAILED');
    assert.equal(commandResultOf('CommandAnswered', { result: 'COMMAND_RESULT_EVSE_OCCUPIED', status: 'Occupied' }).result, 'EVSE_OCCUPIED');
  });

  it('is retried with doubling delays up to a cap', () => {
    const policy = { initialDelayMs: 1000, maxDelayMs: 5000 };
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffMs(policy, n)), [1000, 2000, 4000, 5000, 5000]);
  });
});
