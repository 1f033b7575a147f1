/**
 * Packs items into batches under both an item cap and a token cap (providers limit both),
 * and hands each full batch to `onBatch`. `flush()` sends what is pending.
 */
export class Batcher<T> {
  private items: T[] = [];
  private tokens = 0;

  constructor(
    private readonly maxItems: number,
    private readonly maxTokens: number,
    private readonly tokensOf: (item: T) => number,
    private readonly onBatch: (batch: T[], tokens: number) => void,
  ) {}

  add(item: T): void {
    const t = this.tokensOf(item);
    if (this.items.length > 0 && (this.items.length >= this.maxItems || this.tokens + t > this.maxTokens)) this.flush();
    this.items.push(item);
    this.tokens += t;
    if (this.items.length >= this.maxItems) this.flush();
  }

  get pending(): number {
    return this.items.length;
  }

  flush(): void {
    if (this.items.length === 0) return;
    const batch = this.items;
    const tokens = this.tokens;
    this.items = [];
    this.tokens = 0;
    this.onBatch(batch, tokens);
  }
}
