/**
 * A counting semaphore with weighted acquires, FIFO. The pipeline uses one for chunks in
 * flight (backpressure between reading and writing) and one for embedding requests.
 */
export class Semaphore {
  private available: number;
  private readonly waiters: Array<{ weight: number; resolve: () => void }> = [];

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('semaphore capacity must be ≥ 1');
    this.available = capacity;
  }

  /** Weights above capacity are clamped, so one huge item can still pass alone. */
  clamp(weight: number): number {
    return Math.min(Math.max(weight, 0), this.capacity);
  }

  tryAcquire(weight = 1): boolean {
    const w = this.clamp(weight);
    if (this.waiters.length === 0 && this.available >= w) {
      this.available -= w;
      return true;
    }
    return false;
  }

  acquire(weight = 1): Promise<void> {
    if (this.tryAcquire(weight)) return Promise.resolve();
    const w = this.clamp(weight);
    return new Promise((resolve) => this.waiters.push({ weight: w, resolve }));
  }

  release(weight = 1): void {
    this.available = Math.min(this.capacity, this.available + this.clamp(weight));
    while (this.waiters.length > 0 && this.available >= this.waiters[0]!.weight) {
      const next = this.waiters.shift()!;
      this.available -= next.weight;
      next.resolve();
    }
  }

  get inUse(): number {
    return this.capacity - this.available;
  }
}
