import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuthorizationStatus, create, encodeEventJson, TokenAuthorizationDecidedSchema, WhitelistType } from '@roamgate/contracts';
import { newEventId, openSqliteEventStore, WrongExpectedRevisionError, type EventStore, type Json } from '@roamgate/event-store';
import { RealtimeAuthorization, type RealtimeQuestion } from './realtime-authorization';

const question: RealtimeQuestion = { chargerId: 'CP-1', connectorId: 1, partnerId: 'NL-EMS', uid: 'TAG-1', tokenType: 'RFID', whitelist: WhitelistType.NEVER, action: 'Authorize' };

/** The connector's side, as it writes: the decision at expected revision 0 of the request's stream. */
async function decide(store: EventStore, streamId: string, requestId: string, allowed: string): Promise<void> {
  const data = encodeEventJson('TokenAuthorizationDecided', create(TokenAuthorizationDecidedSchema, { requestId, partnerId: 'NL-EMS', allowed, emspReached: true, authorizationReference: 'REF-1' })) as Json;
  await store.append(streamId, [{ id: newEventId(), type: 'TokenAuthorizationDecided', data }], { expectedRevision: 0 });
}

/** Waits for the gateway's request to appear, as the connector's consumer would receive it. */
async function nextRequest(store: EventStore, after: number): Promise<{ streamId: string; requestId: string; position: number }> {
  for (;;) {
    const found = (await store.readAll({ after })).find((e) => e.type === 'TokenAuthorizationRequested');
    if (found) return { streamId: found.streamId, requestId: (found.data as { requestId: string }).requestId, position: found.position };
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('real-time authorization over the event store: one answer per request', () => {
  let dir: string;
  let store: EventStore;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'realtime-auth-'));
    store = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
  });

  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("returns the connector's decision when it comes before the deadline", async () => {
    const realtime = new RealtimeAuthorization(store, { timeoutMs: 10_000, reuseMs: 0, pollMs: 5 });
    const asking = realtime.ask(question, AuthorizationStatus.INVALID);
    const request = await nextRequest(store, 0);
    await decide(store, request.streamId, request.requestId, 'NO_CREDIT');
    const answer = await asking;
    assert.equal(answer.kind, 'decided');
    assert.equal(answer.kind === 'decided' && answer.decided.allowed, 'NO_CREDIT');
    const stream = await store.readStream(request.streamId);
    assert.deepEqual(stream.map((e) => e.type), ['TokenAuthorizationRequested', 'TokenAuthorizationDecided']);
    assert.equal((stream[0]!.data as { uid: string }).uid, 'TAG-1');
  });

  it('records the timeout with what the charger was told, and a late decision is then refused', async () => {
    const realtime = new RealtimeAuthorization(store, { timeoutMs: 50, reuseMs: 0, pollMs: 5 });
    const before = (await store.readAll()).at(-1)?.position ?? 0;
    const answer = await realtime.ask(question, AuthorizationStatus.INVALID);
    assert.equal(answer.kind, 'timed-out');
    const request = await nextRequest(store, before);
    const stream = await store.readStream(request.streamId);
    assert.deepEqual(stream.map((e) => e.type), ['TokenAuthorizationRequested', 'TokenAuthorizationTimedOut']);
    assert.equal((stream[1]!.data as { status: string }).status, 'AUTHORIZATION_STATUS_INVALID');
    await assert.rejects(decide(store, request.streamId, request.requestId, 'ALLOWED'), WrongExpectedRevisionError);
  });
});
