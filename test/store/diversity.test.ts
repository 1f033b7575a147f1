import { describe, expect, it } from 'vitest';
import { diversifyByFile, REPEAT_DECAY } from '../../src/store/ranking/diversity.js';

const hit = (path: string, score: number) => ({ path, score });

describe('diversifyByFile', () => {
  it('lets other files in between the repeats of one file', () => {
    const hits = [hit('a.py', 10), hit('a.py', 9), hit('a.py', 8), hit('a.py', 7), hit('b.py', 5.5), hit('c.py', 5)];
    const out = diversifyByFile(hits);
    expect(out.map((h) => h.path)).toEqual(['a.py', 'a.py', 'b.py', 'c.py', 'a.py', 'a.py']);
    // A file's best hit keeps its score; its k-th repeat is scaled by REPEAT_DECAY^k.
    expect(out[0]!.score).toBe(10);
    expect(out[1]!.score).toBeCloseTo(9 * REPEAT_DECAY);
    expect(out[4]!.score).toBeCloseTo(8 * REPEAT_DECAY ** 2);
  });

  it('keeps every hit, in order, when one file is all that matches', () => {
    const hits = [hit('a.py', 3), hit('a.py', 2), hit('a.py', 1)];
    expect(diversifyByFile(hits).map((h) => h.score)).toEqual([3, 2 * REPEAT_DECAY, REPEAT_DECAY ** 2]);
  });

  it('leaves a page of distinct files as it was', () => {
    const hits = [hit('a.py', 3), hit('b.py', 2), hit('c.py', 2), hit('d.py', 1)];
    expect(diversifyByFile(hits)).toEqual(hits);
  });
});
