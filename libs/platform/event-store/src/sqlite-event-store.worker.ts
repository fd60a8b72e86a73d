import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '@roamgate/sqlite';
import { groupWriter, type CommitGroup, type WriterRequest, type WriterResponse } from './sqlite-event-store.writer';

/**
 * The event store's writer, on a thread of its own: the append transactions and their fsync cost the event loop
 * nothing. The groups that arrived while it was writing are written together, in one transaction.
 */
const port = parentPort!;
const { file, synchronous } = workerData as { file: string; synchronous: 'FULL' | 'NORMAL' };
const db = openDatabase(file, { synchronous });
const write = groupWriter(db);

let queued: { readonly id: number; readonly group: CommitGroup }[] = [];
let scheduled = false;

function writeQueued(): void {
  scheduled = false;
  const batch = queued;
  queued = [];
  if (batch.length === 0) return;
  const ids = batch.map((b) => b.id);
  let response: WriterResponse;
  try {
    response = { kind: 'committed', ids, outcomes: write(batch.map((b) => b.group)) };
  } catch (error) {
    response = { kind: 'failed', ids, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(response);
}

port.on('message', (request: WriterRequest) => {
  if (request.kind === 'close') {
    writeQueued();
    db.close();
    port.close();
    return;
  }
  queued.push({ id: request.id, group: request.group });
  if (!scheduled) {
    scheduled = true;
    setImmediate(writeQueued);
  }
});
