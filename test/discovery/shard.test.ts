import { describe, expect, it } from 'vitest';
import { inShard, MAX_SHARDS, parseShard, pathKey, shardKeyRange, shardOfKey } from '../../src/discovery/shard.js';

const paths = Array.from({ length: 5000 }, (_, i) => `src/module${i % 37}/file-${i}.ts`);

describe('the shard of a path', () => {
  it('is one and only one of N, for every N', () => {
    for (const count of [1, 2, 3, 4, 7, 16]) {
      for (const p of paths.slice(0, 500)) {
        const owners = Array.from({ length: count }, (_, i) => i + 1).filter((index) => inShard(p, { index, count }));
        expect(owners, `${p} in ${count}`).toHaveLength(1);
      }
    }
  });

  it('follows from the path alone, as fixed values: the same on every machine and in every version', () => {
    // A change here re-partitions every sharded collection: shards of two versions would disagree.
    expect(pathKey('src/index.ts')).toBe(0xa2a17144);
    expect(pathKey('lib/dispatcher/pool.js')).toBe(pathKey('lib/dispatcher/pool.js'));
    expect(pathKey('src/ü/ñ.ts')).toBe(0xb6b4bf13);
  });

  it('cuts the key space into N ranges that tile it, each holding about 1/N of the files', () => {
    for (const count of [1, 3, 4, 10, MAX_SHARDS]) {
      let next = 0;
      for (let index = 1; index <= count; index++) {
        const { gte, lt } = shardKeyRange({ index, count });
        expect(gte).toBe(next);
        expect(shardOfKey(gte, count)).toBe(index);
        expect(shardOfKey(lt - 1, count)).toBe(index);
        next = lt;
      }
      expect(next).toBe(2 ** 32);
    }
    const sizes = [1, 2, 3, 4].map((index) => paths.filter((p) => inShard(p, { index, count: 4 })).length);
    for (const n of sizes) expect(Math.abs(n - paths.length / 4)).toBeLessThan(paths.length * 0.05);
  });
});

describe('--shard and CW_SHARD', () => {
  it('take i/N, the flag before the variable', () => {
    expect(parseShard('2/4', {})).toEqual({ index: 2, count: 4 });
    expect(parseShard(undefined, { CW_SHARD: '3/3' })).toEqual({ index: 3, count: 3 });
    expect(parseShard('1/2', { CW_SHARD: '3/3' })).toEqual({ index: 1, count: 2 });
    expect(parseShard(undefined, {})).toBeNull();
  });

  it('auto/N takes the worker index of a Kubernetes Indexed Job (0-based) or of GitLab parallel: (1-based)', () => {
    expect(parseShard('auto/4', { JOB_COMPLETION_INDEX: '0' })).toEqual({ index: 1, count: 4 });
    expect(parseShard('auto/4', { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 4, count: 4 });
    expect(parseShard('auto/4', { CI_NODE_INDEX: '2' })).toEqual({ index: 2, count: 4 });
    expect(() => parseShard('auto/4', {})).toThrow(/no worker index.*JOB_COMPLETION_INDEX/);
    expect(() => parseShard('auto/4', { JOB_COMPLETION_INDEX: '4' })).toThrow(/shard 5 is not one of 1..4/);
  });

  it('refuse anything else with one line naming what was given', () => {
    for (const bad of ['0/4', '5/4', '2', '2/0', 'a/b', `1/${MAX_SHARDS + 1}`]) {
      expect(() => parseShard(bad, {}), bad).toThrow(/--shard/);
    }
    expect(() => parseShard(undefined, { CW_SHARD: '9/4' })).toThrow(/^CW_SHARD: shard 9/);
  });
});
