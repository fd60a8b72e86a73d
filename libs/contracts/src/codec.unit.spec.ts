import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { equals, type DescMessage, type JsonValue } from '@bufbuild/protobuf';
import {
  decodeEventBinary,
  decodeEventJson,
  decodeFamilyBinary,
  encodeEventBinary,
  encodeEventJson,
  eventFamilies,
  eventSchemas,
  eventTypeOf,
  familyOf,
  InvalidEventError,
  isEventType,
  schemaOf,
  UnknownEventTypeError,
  type EventFamily,
  type EventType,
} from './codec.js';
import { file_roamgate_v1_cdr } from './gen/roamgate/v1/cdr_pb.js';
import { file_roamgate_v1_charger } from './gen/roamgate/v1/charger_pb.js';
import { file_roamgate_v1_command } from './gen/roamgate/v1/command_pb.js';
import { file_roamgate_v1_common } from './gen/roamgate/v1/common_pb.js';
import { file_roamgate_v1_launch } from './gen/roamgate/v1/launch_pb.js';
import { file_roamgate_v1_partner } from './gen/roamgate/v1/partner_pb.js';
import { file_roamgate_v1_session } from './gen/roamgate/v1/session_pb.js';
import { file_roamgate_v1_tariff } from './gen/roamgate/v1/tariff_pb.js';
import { sampleEvent, sampleEventTypes } from './testing/index.js';

const roamgateFiles = [
  file_roamgate_v1_common,
  file_roamgate_v1_charger,
  file_roamgate_v1_session,
  file_roamgate_v1_command,
  file_roamgate_v1_cdr,
  file_roamgate_v1_partner,
  file_roamgate_v1_launch,
  file_roamgate_v1_tariff,
];

const families = Object.entries(eventFamilies) as [EventFamily, DescMessage][];
const wrapperMembers = families.flatMap(([family, wrapper]) =>
  (wrapper.oneofs[0]?.fields ?? []).map((field) => ({ family, wrapper, field })),
);

describe('event codec round trips', () => {
  for (const type of sampleEventTypes()) {
    it(`${type}: message -> JSON -> message -> binary -> message`, () => {
      const schema = schemaOf(type);
      const message = sampleEvent(type);

      const json = encodeEventJson(type, message);
      const stored = JSON.parse(JSON.stringify(json));
      const fromStore = decodeEventJson(type, stored);
      assert.ok(equals(schema, fromStore, message), 'JSON round trip changed the event');

      const bytes = encodeEventBinary(type, fromStore);
      const fromKafka = decodeEventBinary(type, bytes);
      assert.ok(equals(schema, fromKafka, message), 'binary round trip changed the event');
      assert.deepEqual(encodeEventJson(type, fromKafka), json);
    });
  }

  it('encodes the JSON it just made from the message it was made from, and the JSON carries nothing else', () => {
    const message = sampleEvent('SessionMeterValuesRecorded');
    const json = encodeEventJson('SessionMeterValuesRecorded', message) as { [key: string]: JsonValue };
    assert.deepEqual(Object.getOwnPropertySymbols(structuredClone(json)), [], 'a structured clone (a writer thread) leaves it out');
    assert.deepEqual(JSON.parse(JSON.stringify(json)), { ...json });
    assert.deepEqual(encodeEventBinary('SessionMeterValuesRecorded', json), encodeEventBinary('SessionMeterValuesRecorded', message));
    // The same JSON parsed back (as read from the store) is decoded, with the same result.
    assert.deepEqual(encodeEventBinary('SessionMeterValuesRecorded', JSON.parse(JSON.stringify(json))), encodeEventBinary('SessionMeterValuesRecorded', message));
  });

  it('covers at least one event of every family', () => {
    const covered = new Set(sampleEventTypes().map(familyOf));
    assert.deepEqual([...covered].sort(), Object.keys(eventFamilies).sort());
  });

  it('stores canonical proto3 JSON: camelCase names, enum names, RFC 3339 times, decimal strings, oneof payload inline', () => {
    assert.deepEqual(encodeEventJson('CommandRequested', sampleEvent('CommandRequested')), {
      commandId: 'C-1',
      occurredAt: '2025-03-01T09:00:00Z',
      kind: 'COMMAND_KIND_START_SESSION',
      chargerId: 'CP-001',
      origin: 'COMMAND_ORIGIN_OCPI',
      partnerId: 'NL-EMS',
      responseUrl: 'https://emsp.example/ocpi/commands/START_SESSION/1',
      timeoutSeconds: 30,
      startSession: {
        idToken: { id: '04A1B2C3D4', type: 'ISO14443' },
        connectorId: 1,
        locationId: 'LOC1',
        evseUid: 'NL*ACM*E1',
        ocpiConnectorId: '1',
      },
    });
    const cdr = encodeEventJson('CdrIssued', sampleEvent('CdrIssued')) as { totalCost: unknown; totalTimeCost: unknown };
    assert.deepEqual(cdr.totalCost, { exclVat: '4.1000', inclVat: '4.9610' });
    assert.deepEqual(cdr.totalTimeCost, { exclVat: '0.4750' }, 'absent incl_vat (no VAT) must stay absent, not become ""');
  });

  it('encodes binary straight from stored JSON, as the relay does', () => {
    const json = encodeEventJson('ChargerBooted', sampleEvent('ChargerBooted'));
    const message = decodeEventBinary('ChargerBooted', encodeEventBinary('ChargerBooted', json));
    assert.equal(message.vendor, 'Acme');
    assert.equal(message.firmwareVersion, '1.4.2');
  });

  it('encodes the same bytes from the JSON it made (remembering the message) and from a copy read back', () => {
    const json = encodeEventJson('SessionStopped', sampleEvent('SessionStopped'));
    const copy = JSON.parse(JSON.stringify(json)) as typeof json;
    assert.deepEqual(encodeEventBinary('SessionStopped', json), encodeEventBinary('SessionStopped', copy));
    assert.throws(() => encodeEventBinary('ChargerBooted', json), InvalidEventError, 'a remembered message still has to be of the type asked for');
  });

  it('decodes a family payload without being told its event type', () => {
    const bytes = encodeEventBinary('SessionStopped', sampleEvent('SessionStopped'));
    const { type, message } = decodeFamilyBinary('session', bytes);
    assert.equal(type, 'SessionStopped');
    assert.equal(eventTypeOf(message), 'SessionStopped');
    assert.ok(equals(schemaOf('SessionStopped'), message as never, sampleEvent('SessionStopped')));
  });

  it('hands every consumer of the bytes it encoded the message they were encoded from, and decodes other bytes', () => {
    const sent = sampleEvent('SessionStopped');
    const bytes = encodeEventBinary('SessionStopped', sent);
    const first = decodeFamilyBinary('session', bytes);
    assert.equal(first.type, 'SessionStopped');
    assert.equal(first.message, sent, 'the in-process bus delivers the bytes the relay encoded: nothing to decode');
    assert.equal(decodeFamilyBinary('session', bytes).message, sent, 'every consumer group gets the same message');
    assert.equal(decodeEventBinary('SessionStopped', bytes), sent);
    for (const copy of [Uint8Array.from(bytes), structuredClone(bytes)]) {
      const decoded = decodeFamilyBinary('session', copy);
      assert.notEqual(decoded.message, sent, 'equal bytes from elsewhere (Kafka, a file, a thread) are decoded');
      assert.ok(equals(schemaOf('SessionStopped'), decoded.message as never, sent as never));
    }
    assert.throws(() => decodeFamilyBinary('charger', bytes), 'another family is decoded, not taken from the bytes');
    assert.throws(() => decodeEventBinary('SessionStarted', bytes), InvalidEventError, 'and another type refused');
  });
});

describe('event codec errors', () => {
  it('names the unknown event type, whichever function meets it', () => {
    const unknown = 'ChargerExploded';
    const calls: [string, () => unknown][] = [
      ['schemaOf', () => schemaOf(unknown)],
      ['familyOf', () => familyOf(unknown)],
      ['decodeEventJson', () => decodeEventJson(unknown, {})],
      ['encodeEventJson', () => encodeEventJson(unknown, sampleEvent('ChargerBooted'))],
      ['encodeEventBinary', () => encodeEventBinary(unknown, {})],
      ['decodeEventBinary', () => decodeEventBinary(unknown, new Uint8Array())],
    ];
    for (const [name, call] of calls) {
      assert.throws(call, (error: unknown) => {
        assert.ok(error instanceof UnknownEventTypeError, `${name} threw ${String(error)}`);
        assert.equal(error.type, unknown);
        assert.match(error.message, /ChargerExploded/);
        return true;
      });
    }
    assert.equal(isEventType(unknown), false);
    assert.equal(isEventType('toString'), false, 'prototype keys are not event types');
  });

  it('names the event type and the field for invalid JSON', () => {
    assert.throws(
      () => decodeEventJson('ChargerBooted', { chargerId: 'CP-001', vendor: 12 }),
      (error: unknown) => {
        assert.ok(error instanceof InvalidEventError);
        assert.equal(error.type, 'ChargerBooted');
        assert.equal(error.field, 'vendor');
        assert.match(error.message, /ChargerBooted/);
        assert.match(error.message, /vendor/);
        return true;
      },
    );
  });

  it('locates invalid fields inside nested messages, lists, enums and times', () => {
    const cases: [EventType, unknown, string][] = [
      ['ChargerBooted', { bootStatus: 'BOOT_STATUS_MAYBE' }, 'bootStatus'],
      ['ChargerBooted', { occurredAt: 'yesterday' }, 'occurredAt'],
      ['SessionStarted', { idToken: { id: 'x', kind: 'RFID' } }, 'idToken.kind'],
      ['SessionMeterValuesRecorded', { samples: [{ timestamp: '2025-03-01T09:00:00Z' }, { timestamp: 'noon' }] }, 'samples[1].timestamp'],
      ['SessionMeterValuesRecorded', { samples: [{ values: [{ value: '1' }, { value: 2 }] }] }, 'samples[0].values[1].value'],
      ['ChargerRegistered', { tags: ['a', 3] }, 'tags[1]'],
      ['CommandRequested', { startSession: { evseId: 'one' } }, 'startSession.evseId'],
    ];
    for (const [type, json, field] of cases) {
      assert.throws(
        () => decodeEventJson(type, json as never),
        (error: unknown) => error instanceof InvalidEventError && error.field === field && error.message.includes(field),
        `${type} ${JSON.stringify(json)} should name ${field}`,
      );
    }
  });

  it('rejects unknown JSON fields unless the reader opts out', () => {
    const json = { chargerId: 'CP-001', addedByANewerWriter: true };
    assert.throws(() => decodeEventJson('ChargerConnected', json), /addedByANewerWriter/);
    assert.equal(decodeEventJson('ChargerConnected', json, { ignoreUnknownFields: true }).chargerId, 'CP-001');
  });

  it('refuses a message of another type', () => {
    assert.throws(
      () => encodeEventJson('ChargerBooted', sampleEvent('ChargerConnected') as never),
      /Invalid ChargerBooted: expected a roamgate\.v1\.ChargerBooted message, got roamgate\.v1\.ChargerConnected/,
    );
    assert.throws(() => encodeEventBinary('ChargerBooted', sampleEvent('ChargerConnected')), InvalidEventError);
  });

  it('refuses bytes that carry another event of the family', () => {
    const bytes = encodeEventBinary('CommandTimedOut', sampleEvent('CommandTimedOut'));
    assert.throws(() => decodeEventBinary('CommandAnswered', bytes), /Invalid CommandAnswered: the command payload carries CommandTimedOut/);
  });

  it('refuses bytes that are not a family payload', () => {
    assert.throws(() => decodeEventBinary('ChargerBooted', new Uint8Array([0xff, 0xff])), InvalidEventError);
    assert.throws(() => decodeFamilyBinary('charger', new Uint8Array()), /carries no event/);
  });
});

describe('event registry', () => {
  it('wraps every family in a message whose only oneof is named "event" and holds only messages', () => {
    for (const [family, wrapper] of families) {
      assert.equal(wrapper.name.toLowerCase(), `${family}event`);
      assert.equal(wrapper.oneofs.length, 1, wrapper.name);
      assert.equal(wrapper.oneofs[0]?.name, 'event', wrapper.name);
      assert.equal(wrapper.fields.length, wrapper.oneofs[0]?.fields.length, `${wrapper.name} has fields outside its oneof`);
      for (const field of wrapper.fields) assert.equal(field.fieldKind, 'message', `${wrapper.name}.${field.name}`);
    }
  });

  it('registers every event of every family wrapper, under its message name and family', () => {
    for (const { family, wrapper, field } of wrapperMembers) {
      const event = field.message;
      assert.ok(event, `${wrapper.name}.${field.name}`);
      assert.ok(isEventType(event.name), `${event.name} is in ${wrapper.name} but not in eventSchemas`);
      assert.equal(schemaOf(event.name), event);
      assert.equal(familyOf(event.name), family);
    }
  });

  it('registers nothing that no family wrapper carries', () => {
    const carried = new Set(wrapperMembers.map(({ field }) => field.message?.name));
    for (const type of Object.keys(eventSchemas)) assert.ok(carried.has(type), `${type} is registered but in no *Event wrapper`);
    assert.equal(carried.size, wrapperMembers.length, 'an event appears in two wrappers');
  });

  it('has a sample for every registered event', () => {
    assert.deepEqual(sampleEventTypes().sort(), Object.keys(eventSchemas).sort());
  });

  it('leaves no message of roamgate.v1 unaccounted for: each is a wrapper, an event, or a type used by a field', () => {
    const messages = roamgateFiles.flatMap((file) => file.messages);
    const wrappers = new Set<DescMessage>(Object.values(eventFamilies));
    const events = new Set(wrapperMembers.map(({ field }) => field.message));
    const usedByFields = new Set(
      messages.filter((m) => !wrappers.has(m)).flatMap((m) => m.fields.map((f) => f.message).filter((x) => x !== undefined)),
    );
    for (const message of messages) {
      assert.ok(
        wrappers.has(message) || events.has(message) || usedByFields.has(message),
        `${message.typeName} is neither an *Event wrapper member nor used by any field: add it to its family wrapper`,
      );
    }
  });
});
