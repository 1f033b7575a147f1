import { describe, expect, it } from 'vitest';
import { ftsMatchExpression, queryTerms } from '../../src/store/embedded/fts-text.js';
import { pathRange } from '../../src/store/embedded/path-filter.js';
import { reciprocalRankFusion, tiedRanks } from '../../src/store/ranking/rank-fusion.js';
import { snippetOf } from '../../src/store/ranking/snippet.js';

const makeSnippet = (content: string, terms: ReadonlySet<string>) => snippetOf(content, terms).text;
import { TopK } from '../../src/store/embedded/top-k.js';
import { decodeVector, dot, encodeVector } from '../../src/store/embedded/vector-codec.js';

describe('TopK', () => {
  it('keeps the k best of a stream', () => {
    const top = new TopK<number>(3);
    const scores = [5, 1, 9, 3, 7, 2, 8, 6, 4, 0];
    scores.forEach((s, i) => top.push(s, i));
    expect(top.sorted().map((e) => e.score)).toEqual([9, 8, 7]);
    expect(top.sorted().map((e) => e.item)).toEqual([2, 6, 4]);
    expect(top.threshold).toBe(7);
  });

  it('holds fewer than k when the stream is short', () => {
    const top = new TopK<string>(5);
    top.push(1, 'a');
    expect(top.sorted()).toEqual([{ score: 1, item: 'a' }]);
  });
});

describe('rank fusion', () => {
  it('gives tied scores a shared rank', () => {
    expect(tiedRanks([3, 2, 2, 1])).toEqual([1, 2, 2, 4]);
  });

  it('sums 1/(60+rank) across lists', () => {
    const fused = reciprocalRankFusion([
      { keys: ['a', 'b'], scores: [2, 1] },
      { keys: ['b', 'c'], scores: [2, 1] },
    ]);
    expect(fused[0]).toEqual({ key: 'b', score: 1 / 62 + 1 / 61 });
    expect(fused.map((f) => f.key)).toEqual(['b', 'a', 'c']);
  });
});

describe('FTS query text', () => {
  it('quotes every term and ORs them, dropping syntax', () => {
    expect(ftsMatchExpression(queryTerms('getUser("x") AND *'))).toBe('"getuser" OR "get" OR "user" OR "x" OR "and"');
    expect(ftsMatchExpression(queryTerms('(*"'))).toBeNull();
  });

  it('writes a term as often as it weighs (bm25() sums over the phrases)', () => {
    expect(ftsMatchExpression([{ term: 'parse_url', weight: 2 }, { term: 'fails', weight: 1 }])).toBe('"parse_url" OR "parse_url" OR "fails"');
  });
});

describe('pathRange', () => {
  it('normalises the prefix to a directory range', () => {
    expect(pathRange('./src/store/')).toEqual({ exact: 'src/store', from: 'src/store/', to: 'src/store0' });
    expect(pathRange('')).toBeNull();
    expect(pathRange('.')).toBeNull();
    expect(pathRange(undefined)).toBeNull();
  });
});

describe('snippet', () => {
  it('takes the first lines when no term matches, trimmed', () => {
    const content = '\n\n    a();\n    b();\n    c();\n    d();\n    e();\n    f();\n    g();';
    expect(makeSnippet(content, new Set(['zzz']))).toBe('a();\nb();\nc();');
  });
});

describe('vector codec', () => {
  it('stores Float32 little-endian and reads it back', () => {
    const v = Float32Array.from([1.5, -2, 0.125]);
    const blob = encodeVector(v);
    expect(blob.readFloatLE(4)).toBe(-2);
    expect(decodeVector(Buffer.from(blob))).toEqual(v);
    const unaligned = Buffer.alloc(13).subarray(1);
    blob.copy(unaligned);
    expect(decodeVector(unaligned)).toEqual(v);
  });
});

describe('dot', () => {
  it('handles lengths that are not a multiple of four', () => {
    expect(dot(Float32Array.from([1, 2, 3, 4, 5]), Float32Array.from([5, 4, 3, 2, 1]))).toBe(35);
    expect(dot(Float32Array.from([2, 3]), Float32Array.from([4, 5]))).toBe(23);
  });
});
