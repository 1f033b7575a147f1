import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/pipeline/batcher.js';
import { inGroups, mapConcurrent } from '../../src/pipeline/concurrent.js';
import { Semaphore } from '../../src/pipeline/semaphore.js';

describe('Batcher', () => {
  it('respects both the item cap and the token cap, and flushes the rest', () => {
    const batches: Array<{ items: number[]; tokens: number }> = [];
    const b = new Batcher<number>(3, 10, (n) => n, (items, tokens) => batches.push({ items, tokens }));
    for (const n of [1, 1, 1, 1, 6, 5, 2]) b.add(n);
    b.flush();
    expect(batches).toEqual([
      { items: [1, 1, 1], tokens: 3 }, // item cap
      { items: [1, 6], tokens: 7 }, // 5 more would pass 10 tokens
      { items: [5, 2], tokens: 7 },
    ]);
  });

  it('lets one item over the token cap through alone rather than dropping it', () => {
    const batches: number[][] = [];
    const b = new Batcher<number>(10, 5, (n) => n, (items) => batches.push(items));
    b.add(2);
    b.add(50);
    b.add(1);
    b.flush();
    expect(batches).toEqual([[2], [50], [1]]);
  });
});

describe('Semaphore', () => {
  it('blocks past capacity, wakes waiters in order, clamps oversized weights', async () => {
    const s = new Semaphore(4);
    expect(s.tryAcquire(3)).toBe(true);
    const order: string[] = [];
    const a = s.acquire(2).then(() => order.push('a'));
    const b = s.acquire(1).then(() => order.push('b')); // FIFO: waits behind a even though it would fit
    expect(s.tryAcquire(1)).toBe(false);
    s.release(3);
    await Promise.all([a, b]);
    expect(order).toEqual(['a', 'b']);
    expect(s.inUse).toBe(3);
    s.release(3);
    expect(s.clamp(100)).toBe(4);
    expect(s.tryAcquire(100)).toBe(true);
  });
});

describe('mapConcurrent', () => {
  it('never has more than `limit` calls in flight and pulls from the source only when a slot frees', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let pulled = 0;
    const releases: Array<() => void> = [];
    async function* source() {
      for (let i = 0; i < 10; i++) {
        pulled++;
        yield i;
      }
    }
    const results: number[] = [];
    const run = (async () => {
      for await (const r of mapConcurrent(source(), 3, async (i) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise<void>((r) => releases.push(r));
        inFlight--;
        return i * 2;
      })) results.push(r);
    })();
    // Let the mapper start its first calls.
    while (releases.length < 3) await new Promise((r) => setImmediate(r));
    expect(pulled).toBe(3);
    while (results.length < 10) {
      releases.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await run;
    expect(maxInFlight).toBe(3);
    expect(results.sort((a, b) => a - b)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });

  it('groups', async () => {
    async function* s() {
      yield* [1, 2, 3, 4, 5];
    }
    const groups: number[][] = [];
    for await (const g of inGroups(s(), 2)) groups.push(g);
    expect(groups).toEqual([[1, 2], [3, 4], [5]]);
  });
});
