/**
 * The embedded store's writes on a thread of their own. SQLite's inserts, FTS5's tokenizing and
 * the commits (checkpoints included) were a third of the main thread's CPU in a dense run
 * (bench/README.md), and the main thread was the run's bound while the second core idled. On
 * a second connection to the same file, in a worker, they run beside reading, chunking and
 * embedding.
 *
 * What stays as before: one writer, requests applied in the order sent, each write one
 * transaction (a killed process leaves the whole of a batch or none of it), SQLite's errors
 * reaching the store as SqliteErrors with their codes. A request resolves only once its
 * transaction committed, so a read on the main connection after it sees it (WAL). A thread that
 * dies mid-transaction leaves none of it: better-sqlite3 closes a thread's connections when the
 * thread ends, so SQLite rolls back and the process's file locks are released (tested).
 */
import { Worker } from 'node:worker_threads';
import { CodeweaverError } from '../../errors.js';
import type { WriteCounters } from './writer.js';
import { deserializeError, type SerializedError, type WriteOp, type WriteRequest, type WriteThreadData } from './write-protocol.js';

type Reply = { id: number; result?: unknown; error?: SerializedError; counters: WriteCounters };

/** The store's write counters, and how many of its transactions ran on the thread. */
export type StoreWriteCounters = WriteCounters & { thread_transactions: number };

export class WriteThread {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly worker: Worker,
    counters: StoreWriteCounters,
  ) {
    worker.on('message', (msg: Reply) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      // The thread's counts join the store's, so the summary reads the same either way.
      counters.transactions += msg.counters.transactions;
      counters.thread_transactions += msg.counters.transactions;
      counters.rows_written += msg.counters.rows_written;
      counters.rows_deleted += msg.counters.rows_deleted;
      if (msg.error) p.reject(deserializeError(msg.error));
      else p.resolve(msg.result);
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new CodeweaverError(`the index's write thread stopped (exit code ${code}); nothing it had not committed was recorded — rerun cw index`)));
  }

  /** Opens the thread's connection; rejects (and the thread ends) if it cannot. */
  static start(script: URL, data: WriteThreadData, counters: StoreWriteCounters): Promise<WriteThread> {
    // Its heap holds one write batch at a time; a lower cap than the default keeps a stray
    // pile-up from growing the process's memory unnoticed.
    const worker = new Worker(script, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 4 } });
    return new Promise((resolve, reject) => {
      const early = (err: Error) => reject(err);
      // A thread that ends before it answers (its script exited, or failed to load) must not
      // leave the first write waiting for ever.
      const gone = (code: number) => reject(new CodeweaverError(`the index's write thread ended before it was ready (exit code ${code})`));
      worker.once('error', early);
      worker.once('exit', gone);
      worker.once('message', (msg: { ready: boolean; error: SerializedError | null }) => {
        worker.off('error', early);
        worker.off('exit', gone);
        if (msg.ready) resolve(new WriteThread(worker, counters));
        else {
          reject(deserializeError(msg.error!));
          void worker.terminate();
        }
      });
    });
  }

  call<T>(request: WriteOp): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new CodeweaverError('the index is closing: no more writes'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...request, id } as WriteRequest);
    });
  }

  /** After every request sent before it: the connection closes and the thread ends. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.failure) {
        void this.worker.terminate().then(() => resolve());
        return;
      }
      this.worker.once('exit', () => resolve());
      this.worker.postMessage({ close: true });
    });
    return this.closing;
  }
}
