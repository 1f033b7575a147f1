import { sleep } from './retry.js';

/**
 * A provider-wide pause after a 429. A rate limit belongs to the account, not to the
 * one request that hit it: every request of the provider waits until the cool-down
 * passes, instead of the others charging on and collecting 429s of their own.
 */
export class RateLimitCooldown {
  #until = 0;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Pauses the provider for at least `ms` from now (never shortens a pause already running). */
  extend(ms: number): void {
    this.#until = Math.max(this.#until, this.#now() + ms);
  }

  remainingMs(): number {
    return Math.max(0, this.#until - this.#now());
  }

  /** Resolves once no pause is running; the pause may be extended while we sleep, hence the loop. */
  async wait(signal?: AbortSignal): Promise<void> {
    for (let ms = this.remainingMs(); ms > 0; ms = this.remainingMs()) await sleep(ms, signal);
  }
}
