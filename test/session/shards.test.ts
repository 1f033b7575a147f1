import { describe, expect, it } from 'vitest';
import { publishProblems, shardSet } from '../../src/session/shards.js';
import type { BuildState, ShardRun } from '../../src/store/vector-store.js';

function run(shard: number, shards: number, extra: Partial<ShardRun> = {}): ShardRun {
  return {
    shard,
    shards,
    build: 'b1',
    commit: 'abc',
    started_at: `2026-12-01T00:00:0${shard}.000Z`,
    finished_at: `2026-12-01T00:01:0${shard}.000Z`,
    outcome: 'complete',
    files: { total: 10, indexed: 10, unchanged: 0, deleted: 0, failed: 0 },
    chunks: { embedded: 40, reused: 0, written: 40, deleted: 0 },
    duration_ms: 1000,
    cw_version: '0.0.0',
    ...extra,
  };
}

const state = (runs: ShardRun[], extra: Partial<BuildState> = {}): BuildState => ({
  build: 'b1',
  location: 'repo.cw-build-b1',
  exists: true,
  live: false,
  meta: null,
  runs,
  files: 0,
  chunks: 0,
  ...extra,
});

describe('publishing a build', () => {
  it('is allowed when every shard completed at one commit', () => {
    expect(publishProblems(state([run(1, 3), run(2, 3), run(3, 3)]), 3)).toEqual([]);
  });

  it('is refused, one line per problem, each naming the fix', () => {
    expect(publishProblems(state([], { exists: false }), 2)).toEqual([expect.stringMatching(/does not exist.*--shard 1\/2 --build b1/)]);
    expect(publishProblems(state([run(1, 3)]), 3)).toEqual([expect.stringMatching(/missing shards 2, 3 of 3 — run cw index --full --shard 2\/3 --build b1/)]);
    expect(publishProblems(state([run(1, 2), run(2, 2, { outcome: 'failed', files: { ...run(2, 2).files, failed: 4 } })]), 2)).toEqual([
      expect.stringMatching(/shard 2\/2 did not complete \(4 files failed\)/),
    ]);
    expect(publishProblems(state([run(1, 2), run(2, 2, { outcome: 'running', finished_at: null })]), 2)).toEqual([
      expect.stringMatching(/still running, or killed/),
    ]);
    expect(publishProblems(state([run(1, 2), run(2, 2, { commit: 'def' })]), 2)).toEqual([expect.stringMatching(/different commits \(1: abc, 2: def\)/)]);
    const mixed = publishProblems(state([run(1, 2), run(2, 2), run(3, 4)]), 2);
    expect(mixed).toEqual([expect.stringMatching(/cut into 4 shards, not 2/)]);
  });
});

describe('a set of shard runs in status', () => {
  it('is judged on the latest shard count; runs of an earlier N are history', () => {
    const old = [1, 2, 3, 4].map((i) => run(i, 4, { started_at: `2026-11-01T00:00:0${i}.000Z` }));
    const set = shardSet([...old, run(1, 3), run(2, 3)]);
    expect(set).toMatchObject({ shards: 3, complete: false, missing: [3] });
    expect(shardSet([...old, run(1, 3), run(2, 3), run(3, 3)])).toMatchObject({ shards: 3, complete: true, commit: 'abc' });
    expect(shardSet([])).toBeNull();
  });
});
