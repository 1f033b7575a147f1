/**
 * The parts of an index job that are rules, not lifecycle: what a request for some paths walks
 * and answers for, which shard requests make sense, the early count of files for a progress
 * bar, and how a shard's run is recorded when it ends.
 */
import type { IndexingConfig } from '../config/schema.js';
import { repoPaths } from '../discovery/repo-path.js';
import { RunFilter } from '../discovery/run-filter.js';
import { describeShard, type Shard } from '../discovery/shard.js';
import { outermostPaths, walkFiles, walkOptionsFor, walkPaths, type DiscoveredFile } from '../discovery/walk.js';
import { UsageError } from '../errors.js';
import type { ReconcileScope } from '../pipeline/index-run.js';
import type { RunSummary } from '../pipeline/summary.js';
import { buildsOf, type VectorStore } from '../store/vector-store.js';
import { shardRunRecord } from './shards.js';

/** What a request for some paths becomes: the files the run looks at and the recorded ones it answers for. */
export interface NarrowedRun {
  files: (signal: AbortSignal) => AsyncIterable<DiscoveredFile>;
  scope: ReconcileScope;
}

/**
 * The walk and scope of a run over some paths; null for the whole tree. The paths are made
 * canonical and confined to the root before anything is opened: `./lib` and `lib/x/..` are `lib`.
 */
export function narrowedRun(root: string, indexing: IndexingConfig, filter: RunFilter | undefined, given: readonly string[]): NarrowedRun | null {
  const paths = outermostPaths(repoPaths(root, given));
  if (paths.includes('')) return null;
  const options = walkOptionsFor(indexing, filter);
  return {
    files: (signal) => walkPaths(root, paths, { ...options, signal }),
    scope: { covers: (p) => paths.some((q) => p === q || p.startsWith(`${q}/`)), paths },
  };
}

/** A shard's rebuild is a named build: the shards fill one new index together. */
export function checkShardRequest(shard: Shard | undefined, rebuild: boolean, build: string | undefined): void {
  if (shard && rebuild && build === undefined) {
    throw new UsageError(
      `--full with --shard ${describeShard(shard)} needs --build ID: the shards fill one new index together, and cw publish --build ID --shards ${shard.count} makes it live once all have finished`,
    );
  }
}

/** Files in scope, by a walk that stats but reads nothing; null if the walk failed or was stopped. */
export async function countFiles(root: string, indexing: IndexingConfig, filter: RunFilter | undefined, signal: AbortSignal): Promise<number | null> {
  let n = 0;
  try {
    // A filter of its own: the run's records which globs matched, for its warnings.
    const options = walkOptionsFor(indexing, filter && new RunFilter(filter.include, filter.exclude));
    for await (const _ of walkFiles(root, { ...options, signal })) n++;
    return n;
  } catch {
    return null;
  }
}

/** Records how a shard's run ended (for `cw status` and `cw publish`), and says when its share of a build is done. */
export async function recordShardEnd(
  store: VectorStore,
  summary: RunSummary,
  run: { shard: Shard; build: string | null; commit: string | null; startedAt: Date },
  say: { warn?: (message: string) => void; info?: (message: string) => void },
): Promise<void> {
  const record = shardRunRecord(summary, run.shard, run.build, run.commit, run.startedAt);
  await buildsOf(store, '--shard')
    .recordShardRun(record)
    .catch((err: unknown) => say.warn?.(`could not record this shard's run: ${err instanceof Error ? err.message : String(err)}`));
  if (run.build !== null && record.outcome === 'complete') {
    say.info?.(`shard ${record.shard}/${record.shards} of build ${run.build} is complete — cw publish --build ${run.build} --shards ${record.shards} makes the build live once every shard is`);
  }
}
