/**
 * When a run's writes move to the index's own thread (write-thread.ts): once the run has
 * written enough chunks to pay for the thread's start (90-100 ms here, and a second
 * connection's memory), the write that crosses the mark waits for the thread, and so does any
 * write behind it. Every write before it committed on the calling thread, synchronously, and
 * every one from it on goes to the thread in the order called, so the order of writes is kept.
 * A thread that cannot start leaves the writes where they were: it is only an optimisation.
 */
import { existsSync } from 'node:fs';
import { WriteThread, type StoreWriteCounters } from './write-thread.js';
import type { WriteThreadData } from './write-protocol.js';

export interface HandoffPlan {
  /** The built worker script (absent when running from the TypeScript sources: no thread). */
  script: URL;
  /** Chunks a run writes on the calling thread before its writes move. */
  after: number;
}

export class WriteHandoff {
  private thread: WriteThread | null = null;
  private starting: Promise<void> | null = null;
  private chunks = 0;

  constructor(
    private readonly plan: HandoffPlan | null,
    private readonly counters: StoreWriteCounters,
  ) {}

  /** A new run: it starts counting from nothing. */
  reset(): void {
    this.chunks = 0;
  }

  /**
   * Counts chunks the open run writes, and starts the thread once there are enough. `open`
   * says, when the thread is up, whether the run that asked for it is still open.
   */
  wrote(chunks: number, target: WriteThreadData, open: () => boolean): void {
    this.chunks += chunks;
    const plan = this.plan;
    if (!plan || this.starting || this.chunks < plan.after || !existsSync(plan.script)) return;
    const starting: Promise<void> = WriteThread.start(plan.script, target, this.counters).then(
      (thread) => {
        if (this.starting === starting && open()) this.thread = thread;
        else void thread.close();
      },
      () => {},
    );
    this.starting = starting;
  }

  /** The write thread, once a start under way has settled; null: write on the calling thread. */
  async ready(): Promise<WriteThread | null> {
    if (this.starting && !this.thread) await this.starting;
    return this.thread;
  }

  /** Waits for the thread's writes to commit, then ends it; writes go to the calling thread again. */
  async stop(): Promise<void> {
    const starting = this.starting;
    this.starting = null;
    await starting;
    const thread = this.thread;
    this.thread = null;
    await thread?.close();
  }
}
