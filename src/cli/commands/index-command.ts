import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { ensureSchemaFile, SCHEMA_FILE } from '../../config/schema-file.js';
import { RunFilter } from '../../discovery/run-filter.js';
import { checkBuildId, parseShard } from '../../discovery/shard.js';
import { ExitCode } from '../exit-codes.js';
import { formatSummary, quotePath } from '../format.js';
import { Shutdown } from '../lifecycle.js';
import { addCommonOptions, addEmbeddingOptions, addStoreOptions, configFlags, type OverrideOptions } from '../options.js';
import { plainIntervalMs, ProgressView } from '../progress.js';
import { refuseBroadRoot, refuseNestedIndex, withSession, type Runtime } from '../runtime.js';

interface IndexOptions extends OverrideOptions {
  full?: boolean;
  recreate?: boolean;
  dryRun?: boolean;
  here?: boolean;
  include?: string[];
  exclude?: string[];
  shard?: string;
  build?: string;
}

export function indexCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('index')
    .description('index a repository: discover, chunk, embed and store (incremental by content hash)')
    .argument('[path]', 'repository to index (default: the one around the working directory)')
    .option('--full', 'rebuild the index from scratch beside the live one (searchable meanwhile), then switch to it; needed after a model change')
    .option('--recreate', 'deprecated, changes nothing: --full always builds a new index (Qdrant: a new collection)')
    .option('--here', 'create a separate index for this directory even though a parent directory holds an index (refused otherwise)')
    .option('--dry-run', 'discover and chunk only: report what would be embedded, written and removed; write nothing')
    .option('--include <glob...>', 'this run looks only at files matching these globs (others are neither indexed nor removed)')
    .option('--exclude <glob...>', 'this run skips files matching these globs (they are neither indexed nor removed)')
    .option('--shard <i/N>', 'index only shard i of N of the tree (Qdrant; also CW_SHARD; auto/N takes i from JOB_COMPLETION_INDEX or CI_NODE_INDEX)')
    .option('--build <id>', 'fill the named build that the shards of a --full rebuild share (implies --full); cw publish makes it live');
  addEmbeddingOptions(cmd);
  addStoreOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (rootArg: string | undefined, opts: IndexOptions) => setExit(await withSession(rootArg, opts, configFlags(opts), (rt) => runIndex(rt, opts))));
}

async function runIndex({ out, session, graceMs, knobs, onRetry, root, loaded }: Runtime, opts: IndexOptions): Promise<number> {
  refuseBroadRoot('index', root); // never all of / or $HOME by accident
  refuseNestedIndex('index', root, opts.here);
  const dryRun = Boolean(opts.dryRun);
  const shutdown = new Shutdown({
    graceMs,
    onFirstSignal: (signal) => out.warn(`${signal}: finishing the batches in flight (up to ${graceMs / 1000} s); press Ctrl-C again to stop now`),
    onForce: async () => {
      out.stopProgress();
      out.warn('stopping now: requests in flight are cancelled; files already complete are written');
      await session.destroyConnections();
    },
    // The run did not come back in time (a store that does not answer): report what is known.
    onBackstop: () => {
      out.stopProgress();
      out.result(session.snapshot(dryRun));
    },
  }).install();
  try {
    // Public, so still accepted; it has changed nothing since --full always builds a new index.
    if (opts.recreate) out.warn('--recreate is deprecated and changes nothing: --full always builds a new index — drop --recreate');
    const view = new ProgressView(out, plainIntervalMs(knobs));
    onRetry((provider, event) => view.retrying(provider, event));
    const shard = parseShard(opts.shard, process.env) ?? undefined;
    const build = opts.build === undefined ? undefined : checkBuildId(opts.build);
    const summary = await session.index({
      full: Boolean(opts.full),
      shard,
      build,
      dryRun,
      // The configuration says what the index covers; the flags narrow this run only.
      filter: opts.include?.length || opts.exclude?.length ? new RunFilter(opts.include ?? [], opts.exclude ?? []) : undefined,
      signal: shutdown.signal,
      forceSignal: shutdown.forceSignal,
      onProgress: (p) => view.update(p),
      // The files in scope, counted beside the run, so that progress has a percentage and an
      // ETA from early on: on a TTY's bar and in the heartbeat lines of a CI log alike.
      precount: !out.quiet,
      onSkip: (path, reason) => out.debug(`skipped ${quotePath(path)} (${reason})`),
      onSecret: (path, line, rule) => out.debug(`${quotePath(path)}:${line}: secret redacted (${rule})`),
      onFileFailed: (path, error) => out.warn(`${quotePath(path)}: ${error}`),
    });
    out.stopProgress();
    if (!dryRun) refreshSchemaFile(loaded.filepath);
    out.result(summary);
    if (!out.quiet && !out.json) out.print(formatSummary(summary, out));
    if (summary.interrupted) return ExitCode.Interrupted;
    if (summary.aborted) {
      out.error(summary.aborted);
      return ExitCode.PartialFailure;
    }
    return summary.files.failed > 0 ? ExitCode.PartialFailure : ExitCode.Ok;
  } catch (err) {
    // Once the user has interrupted, whatever the run ended with is an interruption: exit 130
    // with the summary of what was done (never a stray "operation was aborted", exit 1).
    if (!shutdown.interrupted) throw err;
    out.stopProgress();
    const summary = session.snapshot(dryRun);
    out.result(summary);
    if (!out.quiet) out.print(formatSummary(summary, out));
    return ExitCode.Interrupted;
  } finally {
    shutdown.dispose();
  }
}

/**
 * A configuration that names the schema cw writes (cw init's) gets it back in step with this
 * version: written where it is missing (a fresh clone) or differs (cw was upgraded). Best effort:
 * an editor's convenience never fails a run.
 */
function refreshSchemaFile(configFile: string | null): void {
  if (!configFile) return;
  try {
    if (readFileSync(configFile, 'utf8').includes(SCHEMA_FILE)) ensureSchemaFile(path.dirname(configFile));
  } catch {
    // unreadable or unwritable: the next run tries again
  }
}
