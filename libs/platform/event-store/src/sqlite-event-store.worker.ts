import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, serveWriter } from '@roamgate/sqlite';
import { groupWriter, type AppendOutcome, type CommitGroup } from './sqlite-event-store.writer';

/**
 * The event store's writer, on a thread of its own: the append transactions and their fsync cost the event loop
 * nothing. The groups that arrived while it was writing are written together, in one transaction.
 */
const { file, synchronous } = workerData as { file: string; synchronous: 'FULL' | 'NORMAL' };
const db = openDatabase(file, { synchronous });
serveWriter<CommitGroup, readonly AppendOutcome[]>(parentPort!, groupWriter(db), () => db.close());
