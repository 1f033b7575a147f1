import { abortReason } from './retry.js';

export interface AdaptiveConcurrencyOptions {
  /** The configured ceiling (`embedding.concurrency`). */
  max: number;
  min?: number;
  /** Successes in a row before the limit grows by one; defaults to the current limit (one "window"). */
  increaseAfter?: number;
}

/** Proof of a granted slot; pass it back to `release`. */
export interface ConcurrencyTicket {
  /** The limit's epoch when the slot was granted. */
  readonly epoch: number;
}

/**
 * AIMD concurrency limit (as TCP congestion control): halve on a 429, add one after a
 * run of successes, always between `min` and `max`.
 *
 * A burst of 429s answers requests that were all sent under the same limit; halving once
 * per answer would collapse the limit to 1 for a single overload. So each slot remembers
 * the epoch it was granted in, and only a 429 from the current epoch halves the limit
 * (and starts a new epoch).
 */
export class AdaptiveConcurrency {
  readonly max: number;
  readonly min: number;
  readonly #increaseAfter: number | undefined;
  #limit: number;
  #inFlight = 0;
  #successes = 0;
  #epoch = 0;
  readonly #waiters: Array<{ grant: () => void }> = [];

  constructor(opts: AdaptiveConcurrencyOptions) {
    this.max = Math.max(1, opts.max);
    this.min = Math.min(this.max, Math.max(1, opts.min ?? 1));
    this.#increaseAfter = opts.increaseAfter;
    this.#limit = this.max;
  }

  get limit(): number {
    return this.#limit;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Waits for a free slot; an aborted wait gives up its place in the queue. */
  acquire(signal?: AbortSignal): Promise<ConcurrencyTicket> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#inFlight < this.#limit && this.#waiters.length === 0) return Promise.resolve(this.#take());
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#take());
        },
      };
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Gives the slot back, telling the limiter how the request went. */
  release(ticket: ConcurrencyTicket, outcome: 'success' | 'rate-limited' | 'other'): void {
    this.#inFlight--;
    if (outcome === 'rate-limited') {
      this.#successes = 0;
      if (ticket.epoch === this.#epoch) {
        this.#limit = Math.max(this.min, Math.floor(this.#limit / 2));
        this.#epoch++;
      }
    } else if (outcome === 'success' && ++this.#successes >= (this.#increaseAfter ?? this.#limit)) {
      this.#successes = 0;
      if (this.#limit < this.max) this.#limit++;
    }
    this.#drain();
  }

  #take(): ConcurrencyTicket {
    this.#inFlight++;
    return { epoch: this.#epoch };
  }

  #drain(): void {
    while (this.#inFlight < this.#limit && this.#waiters.length > 0) this.#waiters.shift()!.grant();
  }
}
