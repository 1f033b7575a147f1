/**
 * A bounded top-k: keeps the k highest-scoring items seen so far in a min-heap, so a scan over
 * any number of rows holds at most k of them.
 */
export class TopK<T> {
  private readonly heap: { score: number; item: T }[] = [];

  constructor(private readonly k: number) {}

  /** The score an item must beat to enter (−Infinity while not full). */
  get threshold(): number {
    return this.heap.length < this.k ? -Infinity : this.heap[0].score;
  }

  push(score: number, item: T): void {
    if (this.k <= 0) return;
    if (this.heap.length < this.k) {
      this.heap.push({ score, item });
      this.siftUp(this.heap.length - 1);
    } else if (score > this.heap[0].score) {
      this.heap[0] = { score, item };
      this.siftDown(0);
    }
  }

  /** Best first. */
  sorted(): { score: number; item: T }[] {
    return [...this.heap].sort((a, b) => b.score - a.score);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent].score <= h[i].score) return;
      [h[parent], h[i]] = [h[i], h[parent]];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < h.length && h[l].score < h[smallest].score) smallest = l;
      if (r < h.length && h[r].score < h[smallest].score) smallest = r;
      if (smallest === i) return;
      [h[smallest], h[i]] = [h[i], h[smallest]];
      i = smallest;
    }
  }
}
