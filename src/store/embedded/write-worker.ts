// Thread entry of the embedded store's writer (write-thread.ts): its own connection to the index
// file and a ChunkWriter on it, running each request in the order it arrives. Answers
// { id, result, counters } or { id, error, counters }; { close } closes the connection (after
// everything sent before it) and ends the thread (the main thread waits for its exit).
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { applyWritePragmas } from './schema.js';
import { loadVectorExtension } from './vector-index.js';
import { ChunkWriter, type WriteCounters } from './writer.js';
import { serializeError, type WriteRequest, type WriteThreadData } from './write-protocol.js';

const port = parentPort!;
const { file, dimensions, bits } = workerData as WriteThreadData;
const counters: WriteCounters = { transactions: 0, rows_written: 0, rows_deleted: 0 };
let opened: { db: Database.Database; writer: ChunkWriter };
try {
  // The schema is the main thread's to create and migrate (it opened the file first, under the
  // run's lock): this connection only writes rows.
  const db = new Database(file, { fileMustExist: true });
  applyWritePragmas(db);
  // 8 MiB of page cache, not the 32 of a main-thread writer: the main connection keeps its own
  // beside this one, and the pages this thread allocates sit in a malloc arena of its own. With
  // 32 MiB the thread cost 30-35 MB more at the peak of a dense run and 21-24 MB of a lexical
  // one; with 8, no time measurably (bench/README.md).
  db.pragma('cache_size = -8192');
  // The main thread keeps the sqlite-vec bit table: so must this connection, or not start (the
  // main thread then goes on writing itself).
  const why = bits ? loadVectorExtension(db, true) : null;
  if (why !== null) throw new Error(`the write thread could not load sqlite-vec: ${why}`);
  opened = { db, writer: new ChunkWriter(db, dimensions, counters, bits) };
} catch (err) {
  port.postMessage({ ready: false, error: serializeError(err) });
  port.close();
  throw err; // ends the thread; the main thread has its answer
}
const { db, writer } = opened;

port.on('message', (msg: WriteRequest | { close: true }) => {
  if ('close' in msg) {
    db.close();
    port.close();
    return;
  }
  const before = { ...counters };
  const delta = (): WriteCounters => ({
    transactions: counters.transactions - before.transactions,
    rows_written: counters.rows_written - before.rows_written,
    rows_deleted: counters.rows_deleted - before.rows_deleted,
  });
  try {
    const result = run(msg);
    port.postMessage({ id: msg.id, result, counters: delta() });
  } catch (err) {
    port.postMessage({ id: msg.id, error: serializeError(err), counters: delta() });
  }
});
port.postMessage({ ready: true, error: null });

function run(msg: WriteRequest): unknown {
  switch (msg.op) {
    case 'write':
      return writer.write(msg.files, msg.now);
    case 'delete':
      return writer.delete(msg.paths, msg.now);
    case 'recordStats':
      return writer.recordStats(msg.entries);
    case 'recordSkips':
      return writer.recordSkips(msg.entries);
    case 'pruneSkips':
      return writer.pruneSkips(msg.seen);
  }
}
