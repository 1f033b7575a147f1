/**
 * Making a new index live: a `--full` rebuild at the end of its run, and a named build of
 * several shards by `cw publish`. The rules (what must be true first) live in shards.ts.
 */
import { NotReadyError } from '../errors.js';
import type { RunSummary } from '../pipeline/summary.js';
import { buildsOf, type VectorStore } from '../store/vector-store.js';
import { publishProblems } from './shards.js';

export interface PublishRequest {
  build: string;
  /** How many shards the build was cut into: every one of them must have finished. */
  shards: number;
}

export interface PublishResult {
  build: string;
  /** The index that is now live. */
  location: string;
  /** The index it replaced (removed), null when there was none. */
  previous: string | null;
  /** It was live already (a repeated publish): nothing changed. */
  already_live: boolean;
  shards: number;
  commit: string | null;
  files: number;
  chunks: number;
}

/**
 * Makes a named build live (`cw publish`): only when every shard 1..N recorded a complete run,
 * all of one commit; anything missing or inconsistent is refused and nothing changes. A build
 * already live is reported as such (a retried publish step succeeds).
 */
export async function publishBuild(store: VectorStore, request: PublishRequest): Promise<PublishResult> {
  const builds = buildsOf(store, 'cw publish');
  const state = await builds.buildState(request.build);
  const problems = state.live ? [] : publishProblems(state, request.shards);
  if (problems.length > 0) throw new NotReadyError(problems);
  const commit = state.runs.find((r) => r.shards === request.shards)?.commit ?? null;
  const previous = state.live ? null : await builds.publishBuild(request.build);
  return {
    build: request.build,
    location: state.location,
    previous,
    already_live: state.live,
    shards: request.shards,
    commit,
    // Counted in the index, not summed from the runs: a shard resumed after a kill reports
    // only what its last run wrote.
    files: state.files,
    chunks: state.chunks,
  };
}

/**
 * A complete rebuild becomes the live index; one that was interrupted, stopped or has failed
 * files stays where it is (the next --full resumes it) and the previous index stays live.
 */
export async function publishRebuild(
  store: VectorStore,
  summary: RunSummary,
  say: { warn?: (message: string) => void; info?: (message: string) => void },
): Promise<void> {
  const why = summary.interrupted
    ? 'interrupted'
    : summary.aborted
      ? 'stopped'
      : summary.files.failed > 0
        ? `${summary.files.failed} file${summary.files.failed === 1 ? '' : 's'} failed`
        : null;
  if (why) {
    say.warn?.(`the rebuilt index is not live yet (${why}) — rerun cw index --full to finish it; searches keep using the previous index`);
    return;
  }
  await store.publish();
  summary.rebuilt = true;
  summary.rebuild_pending = false;
  say.info?.('the rebuilt index is now live');
}
