/**
 * The rules of sharded indexing that do not depend on the store: what a shard's run records,
 * when a set of shards adds up to the whole tree, and what `cw publish` requires of a build
 * before it switches searches to it.
 */
import { execFile } from 'node:child_process';
import type { Shard } from '../discovery/shard.js';
import type { RunSummary } from '../pipeline/summary.js';
import type { BuildState, ShardRun } from '../store/vector-store.js';
import { version } from '../version.js';

/** Variables CI systems set to the commit being built, for checkouts without .git. */
const COMMIT_VARIABLES = ['GITHUB_SHA', 'CI_COMMIT_SHA', 'BUILDKITE_COMMIT', 'CIRCLE_SHA1', 'GIT_COMMIT'];

/**
 * The commit a run indexes: CW_COMMIT when set, else the checkout's HEAD, else what the CI
 * names. null when none is known (shards of one build must still agree: all null).
 */
export async function currentCommit(root: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  if (env.CW_COMMIT) return env.CW_COMMIT.trim();
  const head = await new Promise<string | null>((resolve) => {
    execFile('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: root, timeout: 5000, windowsHide: true }, (err, stdout) =>
      resolve(err ? null : stdout.trim() || null),
    );
  });
  if (head) return head;
  for (const name of COMMIT_VARIABLES) if (env[name]) return env[name]!.trim();
  return null;
}

/**
 * What a shard run leaves in the index it writes: first `running` (so that a run killed on
 * its way is never taken for the complete run it replaces), then how it ended.
 */
export function shardRunStarted(shard: Shard, build: string | null, commit: string | null, startedAt: Date): ShardRun {
  return {
    shard: shard.index,
    shards: shard.count,
    build,
    commit,
    started_at: startedAt.toISOString(),
    finished_at: null,
    outcome: 'running',
    files: { total: 0, indexed: 0, unchanged: 0, deleted: 0, failed: 0 },
    chunks: { embedded: 0, reused: 0, written: 0, deleted: 0 },
    duration_ms: 0,
    cw_version: version(),
  };
}

/** What a finished (or stopped) shard run leaves in the index it wrote. */
export function shardRunRecord(summary: RunSummary, shard: Shard, build: string | null, commit: string | null, startedAt: Date): ShardRun {
  const f = summary.files;
  const c = summary.chunks;
  return {
    ...shardRunStarted(shard, build, commit, startedAt),
    finished_at: new Date().toISOString(),
    outcome: summary.interrupted ? 'interrupted' : summary.aborted ? 'stopped' : f.failed > 0 ? 'failed' : 'complete',
    files: { total: f.indexed + f.unchanged + f.failed, indexed: f.indexed, unchanged: f.unchanged, deleted: f.deleted, failed: f.failed },
    chunks: { embedded: c.embedded, reused: c.reused, written: c.written, deleted: c.deleted },
    duration_ms: summary.duration_ms,
  };
}

/** A set of shard runs as `cw status` shows it: the latest shard count's runs, and whether they add up. */
export interface ShardSet {
  shards: number;
  /** Every shard 1..N has a complete run, all of one commit. */
  complete: boolean;
  /** The commit all shards indexed (null when they differ, or none is known). */
  commit: string | null;
  missing: number[];
  /** Shards whose last run did not complete. */
  incomplete: number[];
  /** Distinct commits of the runs, when more than one. */
  commits: string[];
  runs: ShardRun[];
}

export function shardSet(runs: readonly ShardRun[] | undefined): ShardSet | null {
  if (!runs || runs.length === 0) return null;
  // The shard count of the most recent run is the current one; runs of an earlier N are history.
  const latest = runs.reduce((a, b) => (b.started_at > a.started_at ? b : a));
  return judge(runs.filter((r) => r.shards === latest.shards), latest.shards);
}

function judge(runs: ShardRun[], shards: number): ShardSet {
  const byShard = new Map(runs.map((r) => [r.shard, r]));
  const missing = Array.from({ length: shards }, (_, i) => i + 1).filter((i) => !byShard.has(i));
  const incomplete = runs.filter((r) => r.outcome !== 'complete').map((r) => r.shard);
  const commits = [...new Set(runs.map((r) => r.commit ?? '(unknown)'))];
  return {
    shards,
    complete: missing.length === 0 && incomplete.length === 0 && commits.length === 1,
    commit: commits.length === 1 ? (runs[0]?.commit ?? null) : null,
    missing,
    incomplete,
    commits: commits.length > 1 ? commits : [],
    runs: [...runs].sort((a, b) => a.shard - b.shard),
  };
}

/**
 * Why a build may not be published as `shards` shards: one line per problem, each naming the
 * fix; none when every shard finished, all of one commit and of this shard count.
 */
export function publishProblems(state: BuildState, shards: number): string[] {
  const rerun = (i: number) => `cw index --full --shard ${i}/${shards} --build ${state.build}`;
  if (!state.exists) return [`build "${state.build}" does not exist (no ${state.location}) — run ${rerun(1)} (and each other shard) first`];
  const problems: string[] = [];
  const other = state.runs.filter((r) => r.shards !== shards);
  if (other.length > 0) {
    const counts = [...new Set(other.map((r) => r.shards))].join(', ');
    problems.push(`build "${state.build}" holds runs cut into ${counts} shards, not ${shards} — a build's shards must all use one N: run every shard with --shard i/${shards} into a new --build ID`);
  }
  const set = judge(state.runs.filter((r) => r.shards === shards), shards);
  if (set.missing.length > 0) {
    problems.push(`build "${state.build}" is missing shard${set.missing.length === 1 ? '' : 's'} ${list(set.missing)} of ${shards} — run ${rerun(set.missing[0]!)}${set.missing.length > 1 ? ' (and the others)' : ''}`);
  }
  for (const run of set.runs.filter((r) => r.outcome !== 'complete')) {
    const why =
      run.outcome === 'failed'
        ? `${run.files.failed} file${run.files.failed === 1 ? '' : 's'} failed`
        : run.outcome === 'running'
          ? `still running, or killed since ${run.started_at}`
          : run.outcome;
    problems.push(`build "${state.build}": shard ${run.shard}/${shards} did not complete (${why}) — rerun ${rerun(run.shard)}`);
  }
  if (set.commits.length > 1) {
    const byCommit = set.runs.map((r) => `${r.shard}: ${r.commit ?? 'unknown'}`).join(', ');
    problems.push(`build "${state.build}": its shards indexed different commits (${byCommit}) — rerun the stale shards at one commit`);
  }
  return problems;
}

function list(ns: number[]): string {
  return ns.length <= 8 ? ns.join(', ') : `${ns.slice(0, 8).join(', ')} and ${ns.length - 8} more`;
}
