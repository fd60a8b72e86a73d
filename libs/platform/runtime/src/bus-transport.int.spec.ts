import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Body, Controller, Headers, HttpCode, Inject, Module, Post } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { deadLetterTopic, DEAD_LETTER_HEADERS, type Bus, type DeliveredMessage } from '@roamgate/bus';
import { loadConfig } from '@roamgate/config';
import { encodeEventJson } from '@roamgate/contracts';
import { sampleEvent } from '@roamgate/contracts/testing';
import { newEventId, type EventStore, type RecordedEvent } from '@roamgate/event-store';
import { EVENT_HEADERS } from '@roamgate/relay';
import { startRoamgate } from './bootstrap';
import { BusContext, type BusConsumerOptions } from './bus-transport';
import { freePort, waitFor } from './testing';
import { currentTraceContext, parseTraceparent, TRACE_HEADERS, type TraceContext } from './trace-context';
import { BUS, EVENT_STORE } from './tokens';

/** Topics and groups of this run: a Kafka broker reused across runs keeps the old ones. */
const RUN = randomUUID().slice(0, 8);
const TOPIC = 'roamgate.charger';
const OTHER = `test.other.${RUN}`;
const POISON = `test.poison.${RUN}`;
const BATCHED = `test.batched.${RUN}`;
const group = (name: string) => `test-${name}-${RUN}`;

class Seen {
  readonly first: DeliveredMessage[] = [];
  readonly second: DeliveredMessage[] = [];
  readonly other: DeliveredMessage[] = [];
  readonly contexts: { message: DeliveredMessage; fromContext?: TraceContext; fromAsyncLocal?: TraceContext }[] = [];
  readonly batches: (readonly DeliveredMessage[])[] = [];
  poisonAttempts = 0;
}

let seen = new Seen();
const ADMIN = 'a'.repeat(32);

@Controller()
class ProbeConsumers {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @EventPattern(TOPIC, { group: group('first') } satisfies BusConsumerOptions)
  async first(@Payload() message: DeliveredMessage, @Ctx() context: BusContext): Promise<void> {
    seen.first.push(message);
    seen.contexts.push({ message, ...optional('fromContext', context.getTraceContext()), ...optional('fromAsyncLocal', currentTraceContext()) });
    if (message.headers[EVENT_HEADERS.eventType] === 'ChargerRegistered') {
      const chargerId = message.headers[EVENT_HEADERS.streamId]!;
      await this.store.append(`echo-${chargerId}`, [{ id: newEventId(), type: 'Echoed', data: {} }], { expectedRevision: 'any' });
    }
  }

  @EventPattern(OTHER, { group: group('first') } satisfies BusConsumerOptions)
  async other(message: DeliveredMessage): Promise<void> {
    seen.other.push(message);
  }

  @EventPattern(TOPIC, { group: group('second') } satisfies BusConsumerOptions)
  async second(message: DeliveredMessage): Promise<void> {
    seen.second.push(message);
  }

  @EventPattern(POISON, { group: group('poison'), maxAttempts: 3, retryBackoffMs: 1 } satisfies BusConsumerOptions)
  async poison(): Promise<void> {
    seen.poisonAttempts += 1;
    throw new Error('cannot digest this');
  }

  @EventPattern(BATCHED, { group: group('batched'), batch: true } satisfies BusConsumerOptions)
  async batched(messages: readonly DeliveredMessage[]): Promise<void> {
    seen.batches.push(messages);
  }
}

@Controller('probe')
class ProbeApi {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Post()
  @HttpCode(201)
  async register(@Body() body: { chargerId: string }, @Headers('x-correlation-id') _correlationId?: string): Promise<{ ok: true }> {
    const data = encodeEventJson('ChargerRegistered', { ...sampleEvent('ChargerRegistered'), chargerId: body.chargerId });
    await this.store.append(`charger-${body.chargerId}`, [{ id: newEventId(), type: 'ChargerRegistered', data: data as never }], { expectedRevision: 'any' });
    return { ok: true };
  }
}

@Module({ controllers: [ProbeConsumers, ProbeApi] })
class ProbeModule {}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]?: V }));

const kafka = process.env['KAFKA_BROKERS'];
for (const [busName, busEnv] of [
  ['in-process bus', {}],
  ['Kafka', kafka === undefined ? undefined : { BUS: 'kafka', KAFKA_BROKERS: kafka }],
] as const) {
describe(`@EventPattern consumers on the ${busName} (BusTransport)`, { skip: busEnv === undefined ? 'KAFKA_BROKERS is not set (scripts/kafka/start.sh starts a broker)' : false }, () => {
  let dir: string;
  let app: INestApplication;
  let bus: Bus;
  let store: EventStore;
  let base: string;

  before(async () => {
    seen = new Seen();
    dir = await mkdtemp(join(tmpdir(), 'roamgate-transport-'));
    const port = await freePort();
    const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', ROAMGATE_DATA_DIR: dir, ROAMGATE_ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'error', ...busEnv });
    app = await startRoamgate({ processName: 'test', services: [{ descriptor: { name: 'charger-gateway', ownedCategories: ['charger'] }, module: ProbeModule }], config });
    bus = app.get<Bus>(BUS);
    store = app.get<EventStore>(EVENT_STORE);
    base = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives every group each message once, and routes a group with several topics by topic', async () => {
    await bus.publish([
      { topic: TOPIC, key: 'charger-A', value: new Uint8Array([1]), headers: { [EVENT_HEADERS.eventId]: `e-a1-${RUN}`, [EVENT_HEADERS.eventType]: 'Raw' } },
      { topic: OTHER, key: 'x', value: new Uint8Array([2]) },
    ]);
    await waitFor(() => (seen.first.some((m) => m.headers[EVENT_HEADERS.eventId] === `e-a1-${RUN}`) && seen.second.some((m) => m.headers[EVENT_HEADERS.eventId] === `e-a1-${RUN}`) && seen.other.length === 1 ? true : undefined), 'both groups');
    assert.equal(seen.first.filter((m) => m.headers[EVENT_HEADERS.eventId] === `e-a1-${RUN}`).length, 1);
    assert.equal(seen.second.filter((m) => m.headers[EVENT_HEADERS.eventId] === `e-a1-${RUN}`).length, 1);
    assert.deepEqual([...seen.other.map((m) => m.topic)], [OTHER]);
    assert.ok(!seen.first.some((m) => m.topic === OTHER), 'the TOPIC handler of the group does not get OTHER messages');
  });

  it('retries a throwing handler, then dead-letters the message with the original error', async () => {
    const dead: DeliveredMessage[] = [];
    await bus.subscribe({ group: group('dlq-reader'), topics: [deadLetterTopic(POISON)], handler: async (m) => void dead.push(m) });
    await bus.publish([{ topic: POISON, key: 'p', value: new Uint8Array([9]) }]);
    const [letter] = await waitFor(() => (dead.length > 0 ? dead : undefined), 'the dead letter');
    assert.equal(seen.poisonAttempts, 3);
    assert.equal(letter!.headers[DEAD_LETTER_HEADERS.attempts], '3');
    assert.match(letter!.headers[DEAD_LETTER_HEADERS.error] ?? '', /cannot digest this/);
  });

  it('hands a batch handler arrays of messages', async () => {
    await bus.publish([1, 2, 3].map((n) => ({ topic: BATCHED, key: 'same-key', value: new Uint8Array([n]) })));
    await waitFor(() => (seen.batches.flat().length >= 3 ? true : undefined), 'three batched messages');
    assert.ok(seen.batches.every((batch) => Array.isArray(batch)));
    assert.deepEqual(seen.batches.flat().map((m) => m.value[0]), [1, 2, 3]);
  });

  it('carries an HTTP request’s correlation id and trace through the event, its bus message and the events its handler appends', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`${base}/probe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-correlation-id': 'corr-42',
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        tracestate: 'rg=1',
      },
      body: JSON.stringify({ chargerId: `T1-${RUN}` }),
    });
    assert.equal(response.status, 201);

    const [registered] = await store.readStream(`charger-T1-${RUN}`);
    assert.equal(registered!.metadata[TRACE_HEADERS.correlationId], 'corr-42');
    assert.equal(registered!.metadata[TRACE_HEADERS.tracestate], 'rg=1');
    const requestSpan = parseTraceparent(registered!.metadata[TRACE_HEADERS.traceparent]);
    assert.equal(requestSpan?.traceId, traceId);
    assert.notEqual(requestSpan?.parentId, '00f067aa0ba902b7', 'the request has a span of its own, child of the caller’s');

    const delivered = await waitFor(() => seen.contexts.find((c) => c.message.headers[EVENT_HEADERS.eventId] === registered!.id), 'the relayed event');
    assert.equal(delivered.message.headers[TRACE_HEADERS.correlationId], 'corr-42');
    assert.equal(delivered.message.headers[TRACE_HEADERS.traceparent], registered!.metadata[TRACE_HEADERS.traceparent]);
    assert.equal(delivered.fromContext?.traceId, traceId);
    assert.equal(delivered.fromContext?.correlationId, 'corr-42');
    assert.equal(delivered.fromContext?.causationId, registered!.id);
    assert.deepEqual(delivered.fromAsyncLocal, delivered.fromContext);

    const [echoed] = await waitFor(async () => {
      const events: RecordedEvent[] = await store.readStream(`echo-charger-T1-${RUN}`);
      return events.length > 0 ? events : undefined;
    }, 'the handler’s event');
    assert.equal(echoed!.metadata[TRACE_HEADERS.correlationId], 'corr-42');
    assert.equal(echoed!.metadata[TRACE_HEADERS.causationId], registered!.id);
    assert.equal(echoed!.metadata[TRACE_HEADERS.tracestate], 'rg=1');
    const handlerSpan = parseTraceparent(echoed!.metadata[TRACE_HEADERS.traceparent]);
    assert.equal(handlerSpan?.traceId, traceId);
    assert.notEqual(handlerSpan?.parentId, requestSpan?.parentId);
  });

  it('correlates the events of a message without trace headers to that message’s event', async () => {
    await bus.publish([{ topic: TOPIC, key: 'charger-B', value: new Uint8Array([1]), headers: { [EVENT_HEADERS.eventId]: `e-b1-${RUN}`, [EVENT_HEADERS.eventType]: 'Raw' } }]);
    const delivered = await waitFor(() => seen.contexts.find((c) => c.message.headers[EVENT_HEADERS.eventId] === `e-b1-${RUN}`), 'the message');
    assert.equal(delivered.fromContext?.correlationId, `e-b1-${RUN}`);
    assert.equal(delivered.fromContext?.causationId, `e-b1-${RUN}`);
    assert.match(delivered.fromContext?.traceId ?? '', /^[0-9a-f]{32}$/);
  });
});
}

describe('@EventPattern without a consumer group', () => {
  it('stops start-up with a message naming the topic', async () => {
    @Controller()
    class Groupless {
      @EventPattern('roamgate.session')
      async handle(): Promise<void> {}
    }
    @Module({ controllers: [Groupless] })
    class GrouplessModule {}
    const dir = await mkdtemp(join(tmpdir(), 'roamgate-transport-'));
    try {
      const config = loadConfig({ PORT: String(await freePort()), HOST: '127.0.0.1', ROAMGATE_DATA_DIR: dir, ROAMGATE_ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'error' });
      await assert.rejects(
        startRoamgate({ processName: 'test', services: [{ descriptor: { name: 'gate-evaluator', ownedCategories: [] }, module: GrouplessModule }], config }),
        /@EventPattern\('roamgate.session'\): a consumer group is required/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
