import { Command } from 'commander';
import { createChunker, type Chunker, type ChunkerOptions } from '../../chunking/chunker.js';
import { createWorkerChunker } from '../../chunking/worker-chunker.js';
import { createEmbedder } from '../../embedding/create.js';
import { ExitCode, UsageError } from '../../errors.js';
import { RunFilter } from '../../discovery/run-filter.js';
import { IndexRun } from '../../pipeline/index-run.js';
import { emptySummary, type RunSummary } from '../../pipeline/summary.js';
import { sameMeta } from '../../store/compatibility.js';
import { createStore } from '../../store/create.js';
import type { IndexMeta, VectorStore } from '../../store/vector-store.js';
import type { Output } from '../output.js';
import { Shutdown } from '../lifecycle.js';
import { addCommonOptions, addEmbeddingOptions, addStoreOptions, configFlags, type OverrideOptions } from '../options.js';
import { ProgressView } from '../progress.js';
import { createOutput, createRuntime } from '../runtime.js';
import { formatSummary } from '../format.js';

interface IndexOptions extends OverrideOptions {
  full?: boolean;
  recreate?: boolean;
  dryRun?: boolean;
  include?: string[];
  exclude?: string[];
}

export function indexCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('index')
    .description('index a repository: discover, chunk, embed and store (incremental by content hash)')
    .argument('[path]', 'repository to index', '.')
    .option('--full', 'rebuild the index from scratch beside the live one (searchable meanwhile), then switch to it; needed after a model change')
    .option('--recreate', 'accepted with --full for compatibility: --full always builds a new index (Qdrant: a new collection)')
    .option('--dry-run', 'discover and chunk only: report what would be embedded, write nothing')
    .option('--include <glob...>', 'this run looks only at files matching these globs (others are neither indexed nor removed)')
    .option('--exclude <glob...>', 'this run skips files matching these globs (they are neither indexed nor removed)');
  addEmbeddingOptions(cmd);
  addStoreOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (rootArg: string, opts: IndexOptions) => setExit(await runIndexCommand(rootArg, opts)));
}

async function runIndexCommand(rootArg: string, opts: IndexOptions): Promise<number> {
  const out = createOutput(opts);
  const rt = await createRuntime(out, rootArg, opts, configFlags(opts));
  const { config } = rt.loaded;
  let run: IndexRun | null = null;
  const shutdown = new Shutdown({
    graceMs: rt.graceMs,
    onFirstSignal: (signal) =>
      out.warn(`${signal}: finishing the batches in flight (up to ${rt.graceMs / 1000} s); press Ctrl-C again to stop now`),
    onForce: async () => {
      out.stopProgress();
      out.warn('stopping now: requests in flight are cancelled; files already complete are written');
      await rt.pool.destroyAll().catch(() => {});
    },
    // The run did not come back in time (a store that does not answer): report what is known.
    onBackstop: () => {
      out.stopProgress();
      if (run) {
        const summary = run.snapshot();
        summary.http = rt.pool.stats();
        out.result(summary);
      } else out.result({ error: { message: 'interrupted', exit_code: ExitCode.Interrupted } });
    },
  }).install();

  try {
    const embedder = createEmbedder(config.embedding, {
      pool: rt.pool,
      httpPool: config.http_pool,
      env: rt.env,
      keyOptional: Boolean(opts.dryRun),
      onRetry: (e) =>
        out.debug(
          `${config.embedding.provider}: attempt ${e.attempt} failed (${e.verdict === 'rate-limited' ? 'rate limited' : oneLine(e.error)}); retrying in ${(e.delayMs / 1000).toFixed(1)} s`,
        ),
    });
    const store = await createStore(config, rt.root, { env: rt.env, onWarning: (m) => out.warn(m) });
    rt.onClose(() => store.close());
    if (opts.dryRun && embedder.dimensions === null && embedder.provider !== 'local') {
      // Probing an unknown model's size takes a request; a dry run estimates without one.
      out.warn(`${embedder.provider}/${embedder.model}: vector size unknown until the first real run (set embedding.dimensions)`);
    } else {
      await embedder.init(shutdown.signal);
    }
    const meta: IndexMeta = { provider: embedder.provider, model: embedder.model, dimensions: embedder.dimensions };

    if (opts.recreate && !opts.full) out.warn('--recreate only applies with --full; ignored');
    // --full builds a new index beside the live one (which stays searchable) and switches to it
    // at the end; the run fills the new index incrementally, so an interrupted rebuild resumes.
    const rebuild = Boolean(opts.full);
    let full = false;
    if (opts.dryRun) {
      // Nothing may be written: read what exists, if it fits this run, to report only what is new.
      const existing = rebuild ? null : await store.openReadOnly();
      if (!existing || !sameMeta(existing, meta)) full = true;
    } else {
      await store.open(meta, { rebuild });
    }
    if (embedder.provider === 'local') {
      out.info('provider local: lexical (BM25) index only — set embedding.provider (e.g. voyage) for semantic search');
    }

    const chunker = await startChunker(
      { targetTokens: config.indexing.chunk_tokens, maxTokens: Math.min(config.indexing.chunk_tokens, embedder.limits.maxInputTokens) },
      rt.env,
    );
    rt.onClose(() => chunker.close?.());
    const view = new ProgressView(out);
    run = new IndexRun(
      {
        root: rt.root,
        store,
        embedder,
        chunker,
        signal: shutdown.signal,
        forceSignal: shutdown.forceSignal,
        onProgress: (p) => view.update(p),
        onSkip: (path, reason) => out.debug(`skipped ${path} (${reason})`),
        onFileFailed: (path, error) => out.warn(`${path}: ${error}`),
        onWarning: (message) => out.warn(message),
      },
      {
        // The configuration says what the index covers; the flags narrow this run only.
        indexing: config.indexing,
        filter: opts.include?.length || opts.exclude?.length ? new RunFilter(opts.include ?? [], opts.exclude ?? []) : undefined,
        batchSize: config.embedding.batch_size,
        concurrency: config.embedding.concurrency,
        full,
        dryRun: Boolean(opts.dryRun),
      },
    );
    const summary: RunSummary = await run.run();
    if (rebuild && !opts.dryRun) await publishRebuild(store, summary, out);
    summary.http = rt.pool.stats();
    out.stopProgress();
    out.result(summary);
    if (!out.quiet) out.print(formatSummary(summary, out));
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
    const summary = run?.snapshot() ?? { ...emptySummary(), interrupted: true, dry_run: Boolean(opts.dryRun) };
    summary.http = rt.pool.stats();
    out.result(summary);
    if (!out.quiet) out.print(formatSummary(summary, out));
    return ExitCode.Interrupted;
  } finally {
    shutdown.dispose();
    await rt.close();
  }
}

/**
 * A complete rebuild becomes the live index; one that was interrupted, stopped or has failed
 * files stays where it is (the next --full resumes it) and the previous index stays live.
 */
async function publishRebuild(store: VectorStore, summary: RunSummary, out: Output): Promise<void> {
  const why = summary.interrupted
    ? 'interrupted'
    : summary.aborted
      ? 'stopped'
      : summary.files.failed > 0
        ? `${summary.files.failed} file${summary.files.failed === 1 ? '' : 's'} failed`
        : null;
  if (why) {
    out.warn(`the rebuilt index is not live yet (${why}) — rerun cw index --full to finish it; searches keep using the previous index`);
    return;
  }
  await store.publish();
  summary.rebuilt = true;
  out.info('the rebuilt index is now live');
}

/**
 * Chunking runs on the main thread unless CODEWEAVER_CHUNK_THREADS asks for worker threads.
 * Measured on 2 cores (bench/README.md): one thread made a dense run 27% faster and a lexical
 * one ~10%, but peak memory rose from a flat ~285 MB to 350–445 MB, still creeping at 8× the
 * corpus; flat memory is the default until that is understood.
 */
async function startChunker(options: ChunkerOptions, env: NodeJS.ProcessEnv): Promise<Chunker & { close?(): Promise<void> }> {
  const raw = env.CODEWEAVER_CHUNK_THREADS;
  const threads = raw === undefined || raw === '' ? 0 : Number(raw);
  if (!(Number.isInteger(threads) && threads >= 0 && threads <= 64)) {
    throw new UsageError(`CODEWEAVER_CHUNK_THREADS: expected a whole number from 0 to 64, got "${raw}"`);
  }
  return threads === 0 ? createChunker(options) : createWorkerChunker(options, threads);
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
