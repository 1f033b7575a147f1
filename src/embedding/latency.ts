/**
 * Request latencies for p50/p95 in bounded memory: a uniform reservoir sample
 * (Vitter's algorithm R) of at most `capacity` values, however many requests a run makes.
 */
export class LatencyReservoir {
  readonly #samples: number[] = [];
  readonly #capacity: number;
  readonly #random: () => number;
  #seen = 0;

  constructor(capacity = 1024, random: () => number = Math.random) {
    this.#capacity = capacity;
    this.#random = random;
  }

  record(ms: number): void {
    this.#seen++;
    if (this.#samples.length < this.#capacity) {
      this.#samples.push(ms);
      return;
    }
    const slot = Math.floor(this.#random() * this.#seen);
    if (slot < this.#capacity) this.#samples[slot] = ms;
  }

  get size(): number {
    return this.#samples.length;
  }

  /** Nearest-rank percentile (0 < p ≤ 100), rounded to 0.1 ms; 0 when nothing was recorded. */
  percentile(p: number): number {
    if (this.#samples.length === 0) return 0;
    const sorted = [...this.#samples].sort((a, b) => a - b);
    const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
    return Math.round(sorted[rank - 1] * 10) / 10;
  }
}
