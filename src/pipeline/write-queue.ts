/**
 * The run's writes: completed files queue until they hold enough chunks for one write (one
 * store transaction or upsert group), and writes run one at a time, in the order queued, on
 * one chain. Nothing overlaps: a store never sees two writes of one run at once, and a file's
 * record follows every earlier file's.
 */
export interface WriteQueueOptions<J> {
  /** Chunks a write gathers before it goes. */
  batchChunks: number;
  chunksOf: (job: J) => number;
  /** Writes these files (and counts them); a rejection stops every later write. */
  write: (jobs: J[]) => Promise<void>;
  /** The run has failed: later writes are skipped (nothing later could succeed). */
  stopped: () => boolean;
  /** A write failed: the run's failure, reported once by the caller. */
  onFailure: (err: unknown) => void;
  /** Written or not, these files no longer hold their place in the pipeline. */
  settle: (jobs: J[]) => void;
}

export class WriteQueue<J> {
  private queue: J[] = [];
  private queuedChunks = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: WriteQueueOptions<J>) {}

  /** Queues a completed file; a full queue goes out at once. */
  enqueue(job: J): void {
    this.queue.push(job);
    this.queuedChunks += this.options.chunksOf(job);
    if (this.queuedChunks >= this.options.batchChunks) this.flush();
  }

  /** Sends what is queued, however little, behind the writes already on the chain. */
  flush(): void {
    if (this.queue.length === 0) return;
    const jobs = this.queue;
    this.queue = [];
    this.queuedChunks = 0;
    this.chain = this.chain.then(async () => {
      if (this.options.stopped()) return;
      try {
        await this.options.write(jobs);
      } catch (err) {
        // The store could not take a write: nothing later can succeed, and nothing was recorded.
        this.options.onFailure(err);
      } finally {
        this.options.settle(jobs);
      }
    });
  }

  /**
   * Another write (stat data, skips) in turn with the files' writes. Only an optimisation: if
   * it fails, those files are read again next run.
   */
  inTurn(write: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.options.stopped()) return;
      await write().catch(() => {});
    });
  }

  /** Resolves once every write on the chain so far has settled. */
  settled(): Promise<void> {
    return this.chain;
  }
}
