/**
 * The long-lived index core. A session owns everything a front end needs for as long as it
 * needs it — configuration, the HTTP pool, the store, chunkers — and offers `index`, `search`,
 * `status` and `close`. `cw index`, `cw search` and `cw status` are thin front ends over it; a
 * server or a watcher keeps one open for hours and runs many indexes through it.
 *
 * Policy lives here, not in front ends: which embedder a run or a search uses, when a rebuild
 * is published, what a run reports. Each `index()` gets a fresh embedder (an auth failure ends
 * that run, not the session) and reports its own figures, never cumulative totals.
 */
import type { ChunkerOptions } from '../chunking/chunker.js';
import { readEnvKnobs, type EnvKnobs } from '../config/env.js';
import type { LoadedConfig } from '../config/load.js';
import { configChange, liveConfig, type ConfigChange } from '../config/live.js';
import type { Config } from '../config/schema.js';
import { RunFilter } from '../discovery/run-filter.js';
import type { SkipReason } from '../discovery/skip-reasons.js';
import type { DiscoveredFile } from '../discovery/walk.js';
import type { Shard } from '../discovery/shard.js';
import { knownModels } from '../embedding/catalogue.js';
import { createEmbedder } from '../embedding/create.js';
import { describeRerank } from '../rerank/create.js';
import type { Embedder } from '../embedding/embedder.js';
import type { HubProgress } from '../embedding/hub/download.js';
import { CodeweaverError, UsageError } from '../errors.js';
import type { HttpClientPool } from '../http/pool.js';
import type { HttpClientStats } from '../http/types.js';
import type { RetryEvent } from '../http/retry.js';
import { IndexRun, type IndexProgress, type ReconcileScope } from '../pipeline/index-run.js';
import { fillVectors } from '../pipeline/vector-fill.js';
import { emptySummary, type RunSummary } from '../pipeline/summary.js';
import { sameMeta } from '../store/compatibility.js';
import { createStore } from '../store/create.js';
import { buildsOf, type IndexMeta, type StoreStatus, type VectorFill, type VectorStore } from '../store/vector-store.js';
import { perClientDelta, counterDelta } from './stats.js';
import { addSecretsFromEnv } from '../redact.js';
import { adoptIndexSettings, buildSettingsOf, effectiveSettings } from './build-info.js';
import { currentCommit, shardRunStarted } from './shards.js';
import { worktreeHead, type Worktree } from './worktree.js';
import { SearchService, type SearchPage, type SearchRequest, type SearchResult } from './search.js';
import { publishBuild, publishRebuild, type PublishRequest, type PublishResult } from './builds.js';
import { Chunkers } from './chunkers.js';
import { readCode, type ReadRequest, type ReadResult } from './read-code.js';
import { grep, type GrepRequest, type GrepResult } from './grep.js';
import { findSymbols, type SymbolMatch, type SymbolRequest } from './symbols.js';
import { languageFilter } from '../discovery/language.js';
import { checkShardRequest, countFiles, narrowedRun, recordShardEnd } from './index-job.js';

/** How long closing the pool may take before its sockets are destroyed. */
export const POOL_CLOSE_DEADLINE_MS = 3000;

export interface SessionHooks {
  /** One line for the user (pool and store warnings, rebuild notes). */
  onWarning?: (message: string) => void;
  /** A status line (e.g. "the rebuilt index is now live"). */
  onInfo?: (message: string) => void;
  /** A detail for --verbose (e.g. a notice already given when the index was created). */
  onDebug?: (message: string) => void;
  /** Told of each provider retry. */
  onRetry?: (provider: string, event: RetryEvent) => void;
  /** Told of a model's download (the onnx provider's first use, ~190 MB for the default), for a progress line. */
  onModelDownload?: (progress: HubProgress) => void;
}

export interface SessionOptions {
  root: string;
  loaded: LoadedConfig;
  /** Loads the configuration again as it was loaded (same file, flags and environment), for `reconfigure`. */
  reload?: () => Promise<LoadedConfig>;
  env: NodeJS.ProcessEnv;
  /** The CODEWEAVER_* knobs; read from `env` (and validated) when not given. */
  knobs?: EnvKnobs;
  hooks?: SessionHooks;
}

/** Files a refresh would index, remove, and leave (`cw status`, MCP index_status): a public contract. */
export interface PendingChanges {
  new_or_changed: number;
  deleted: number;
  unchanged: number;
}

export interface IndexRequest {
  /** Rebuild beside the live index and switch to it when complete. */
  full?: boolean;
  /**
   * Index only this shard of the tree (`--shard i/N`): its files are walked, indexed and
   * reconciled, no other shard's are touched, and the run records how it ended.
   */
  shard?: Shard;
  /**
   * A rebuild into the named build that several shards fill together (`--build ID`; implies
   * `full`); `publish()` makes it live once every shard has finished.
   */
  build?: string;
  /** Discover and chunk only: report what a real run would do, write nothing. */
  dryRun?: boolean;
  /** This run's --include/--exclude. */
  filter?: RunFilter;
  /**
   * Only these repository-relative files or directories ('' is the whole tree): each walked
   * as a whole walk would judge it, and recorded files only there may be removed (a watcher's
   * batch, a refresh of some paths).
   */
  paths?: readonly string[];
  /** First Ctrl-C: stop taking files. */
  signal?: AbortSignal;
  /** Forced stop: cancel requests in flight. */
  forceSignal?: AbortSignal;
  onProgress?: (progress: IndexProgress) => void;
  /**
   * Count the files in scope first (a walk that reads nothing, beside the real one) for an early
   * progress total. It costs a second walk — measured 0.55 s for 4,700 files, a fifth of a
   * no-change rerun — so front ends ask for it only where a live bar shows it.
   */
  precount?: boolean;
  onSkip?: (path: string, reason: SkipReason) => void;
  onFileFailed?: (path: string, error: string) => void;
  /** A secret redacted before chunking: its file, line and rule (never the secret itself). */
  onSecret?: (path: string, line: number, rule: string) => void;
  /** A file left for the next run because the provider or store did not answer (see IndexRun). */
  onFileDeferred?: (path: string, reason: string) => void;
  onWarning?: (message: string) => void;
}

/** A request as a run takes it: `paths` turned into the files to look at and the scope it answers for. */
interface RunRequest extends IndexRequest {
  /** The files to look at (default: a walk of the whole tree). */
  files?: (signal: AbortSignal) => AsyncIterable<DiscoveredFile>;
  /** With `files`: which recorded files the run answers for (may remove when not seen). */
  scope?: ReconcileScope;
}


/** A named build indexed by one run: shard 1 of 1. */
const WHOLE: Shard = { index: 1, count: 1 };


export type { PublishRequest, PublishResult } from './builds.js';
export type { SearchPage, SearchRequest, SearchResult } from './search.js';
export type { ReadRequest, ReadResult } from './read-code.js';
export type { GrepMatch, GrepRequest, GrepResult } from './grep.js';
export type { SymbolMatch, SymbolRequest } from './symbols.js';

export class Session {
  readonly root: string;
  /** The settings in use: replaced by `reconfigure` where they apply live. */
  config: Config;
  loaded: LoadedConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly knobs: EnvKnobs;
  /** Created at the first remote request (a lexical session never loads undici). */
  private pool: HttpClientPool | null = null;
  private poolLoading: Promise<HttpClientPool> | null = null;
  private readonly hooks: SessionHooks;
  private store: VectorStore | null = null;
  /** A store of its own for searches and status: its reads never wait on, or see, a run's writes in progress. */
  private reader: VectorStore | null = null;
  private readonly chunkers: Chunkers;
  private running: IndexRun | null = null;
  private runStarted: Date | null = null;
  private lastProgress: IndexProgress | null = null;
  /** Runs one after another: a watcher's batch and a server's refresh share one store. */
  private runQueue: Promise<unknown> = Promise.resolve();
  /** Aborted by close(): a run in progress stops taking files and finishes what it holds. */
  private readonly closeController = new AbortController();
  private closing: Promise<void> | null = null;
  private lexicalNoted = false;
  private readonly reload: (() => Promise<LoadedConfig>) | null;
  private readonly searches: SearchService;
  /** Lines for the user, as the front end's hooks print them. */
  private readonly say: { warn: (message: string) => void; info: (message: string) => void };

  constructor(options: SessionOptions) {
    this.root = options.root;
    this.loaded = options.loaded;
    this.config = options.loaded.config;
    this.env = options.env;
    this.knobs = options.knobs ?? readEnvKnobs(options.env);
    this.hooks = options.hooks ?? {};
    this.say = { warn: (m) => this.hooks.onWarning?.(m), info: (m) => this.hooks.onInfo?.(m) };
    this.chunkers = new Chunkers(this.knobs.chunkThreads);
    this.reload = options.reload ?? null;
    this.searches = new SearchService({
      root: this.root,
      loaded: () => this.loaded,
      env: this.env,
      reader: () => this.openReader(),
      pool: () => this.openPool(),
      onModelDownload: this.hooks.onModelDownload,
    });
  }

  /**
   * Takes an edited configuration while the session lives (cw watch, cw mcp --watch): the
   * settings a run or a search reads afresh apply from the next one; those the session built its
   * parts from (provider, store, pool, chunking) are left as they are and named, for the user
   * to restart. A configuration that no longer loads changes nothing (the error is thrown).
   */
  async reconfigure(): Promise<ConfigChange> {
    if (!this.reload) return { live: [], restart: [] };
    const next = await this.reload();
    const change = configChange(this.config, next.config);
    if (change.live.length > 0) {
      this.config = liveConfig(this.config, next.config);
      this.loaded = { ...this.loaded, config: this.config };
    }
    return change;
  }

  /** The store, created on first use and kept for the session's life. */
  async openStore(): Promise<VectorStore> {
    return (this.store ??= await this.newStore());
  }

  /** The store searches and status read, created on first use (a second connection, or client, to the same index). */
  async openReader(): Promise<VectorStore> {
    return (this.reader ??= await this.newStore());
  }

  private newStore(): Promise<VectorStore> {
    if (this.closing) throw new CodeweaverError('the session is closed');
    return createStore(this.config, this.root, { env: this.env, writeThread: this.knobs.writeThread, sqliteVec: this.knobs.sqliteVec, onWarning: (m) => this.hooks.onWarning?.(m) });
  }

  /**
   * Makes this session the index's only writer until it closes (`cw watch`): another `cw index`
   * is refused between this session's runs too, and told who holds the index.
   */
  async reserveWriter(role: string): Promise<void> {
    await (await this.openStore()).reserve?.(role);
  }

  /** Whether a run is in progress, since when, and how far it got. */
  activity(): { running: boolean; startedAt: Date | null; progress: IndexProgress | null } {
    return { running: this.running !== null, startedAt: this.runStarted, progress: this.running ? this.lastProgress : null };
  }

  /**
   * One index run: new, changed and deleted files of the tree (or below `request.paths`). Runs
   * asked for while one is in progress wait their turn.
   */
  index(request: IndexRequest = {}): Promise<RunSummary> {
    // Whatever it wrote, rankings kept for paging are made again from the index as it is now (a
    // dry run writes nothing: they stand).
    const turn = this.runQueue.then(() => this.runIndex(request)).finally(() => request.dryRun || this.searches.forgetRankings());
    this.runQueue = turn.catch(() => {});
    return turn;
  }

  /**
   * The vectors a deferred run left out (pipeline/vector-fill.ts), filled once its chunks are all
   * written, unless the run was stopped. Progress is told in chunks (phase `vectors`).
   */
  private async fillDeferred(store: VectorStore, embedder: Embedder, summary: RunSummary, signal: AbortSignal, onProgress?: (p: IndexProgress) => void): Promise<void> {
    if (summary.interrupted || summary.aborted || !store.fillVectors) return;
    const started = performance.now();
    try {
      const result = await fillVectors(store as VectorFill, embedder, signal, (p) =>
        onProgress?.({
          phase: 'vectors',
          filesTotal: p.total,
          expectedTotal: p.total,
          discoveryDone: true,
          filesDone: p.filled,
          chunksEmbedded: summary.chunks.embedded + p.filled,
          chunksWritten: summary.chunks.written,
          elapsedMs: performance.now() - started,
        }),
      );
      summary.chunks.embedded += result.embedded;
      summary.tokens += result.tokens;
      summary.vectors_pending = result.pending;
      summary.duration_ms = Math.round(summary.duration_ms + (performance.now() - started));
    } catch (err) {
      summary.vectors_pending = await store.countWithoutVectors?.().catch(() => 0) ?? 0;
      if (!signal.aborted) summary.aborted = `vectors not filled: ${err instanceof Error ? err.message : String(err)} — the index is searchable lexically; the next cw index fills them`;
    }
    if (signal.aborted) summary.interrupted = true;
  }

  /**
   * A dry run's check of the model name: the real run would learn of a typo from the provider's
   * refusal at the first request; a dry run sends none, so it says what it cannot know.
   */
  private warnUnknownModel(embedder: Embedder): void {
    const known = knownModels(embedder.provider);
    if (!known || known.includes(embedder.model)) return;
    this.hooks.onWarning?.(
      `${embedder.provider}/${embedder.model}: not a ${embedder.provider} model codeweaver knows (${known.join(', ')}) — check embedding.model; its price is unknown, so no cost estimate`,
    );
  }

  private async runIndex(asked: IndexRequest): Promise<RunSummary> {
    if (this.closing) throw new CodeweaverError('the session is closed');
    const request = this.narrowed(asked);
    const signal = request.signal ? AbortSignal.any([request.signal, this.closeController.signal]) : this.closeController.signal;
    const dryRun = Boolean(request.dryRun);
    const build = request.build;
    const shard = request.shard && request.shard.count > 1 ? request.shard : undefined;
    const rebuild = Boolean(request.full) || build !== undefined;
    checkShardRequest(shard, rebuild, build);
    const sharded = shard !== undefined || build !== undefined;
    const startedAt = new Date();
    const commit = sharded && !dryRun ? currentCommit(this.root, this.env) : null;
    const httpBefore = this.httpStats();
    const store = await this.openStore();
    const storeBefore = store.stats();
    // Wherever nothing was set explicitly, the index's own settings apply (no flags needed).
    // A rebuild must not depend on the old index being readable (it may be damaged).
    const stored = await store.openReadOnly().catch((err: unknown) => {
      if (rebuild) return null;
      throw err;
    });
    const config = adoptIndexSettings(this.loaded, stored);
    addSecretsFromEnv(this.env, config.embedding.api_key_env ? [config.embedding.api_key_env] : []);
    const embedder = await this.createEmbedder(config, dryRun);
    // --full builds a new index beside the live one (which stays searchable) and switches to it
    // at the end; the run fills the new index incrementally, so an interrupted rebuild resumes.
    let full = false;
    try {
      if (dryRun && embedder.provider !== 'local') this.warnUnknownModel(embedder);
      if (dryRun && embedder.measureTokensPerSecond) {
        // A local model times itself on this machine: the dry run's estimate is a time, not a cost.
        await embedder.init(signal).catch((err: unknown) => {
          this.hooks.onWarning?.(`${embedder.provider}/${embedder.model}: no time estimate — ${err instanceof Error ? err.message : String(err)}`);
        });
      } else if (dryRun && embedder.dimensions === null && embedder.provider !== 'local') {
        // Probing an unknown model's size takes a request; a dry run estimates without one.
        this.hooks.onWarning?.(`${embedder.provider}/${embedder.model}: vector size unknown until the first real run (set embedding.dimensions)`);
      } else {
        await embedder.init(signal);
      }
      const meta: IndexMeta = { provider: embedder.provider, model: embedder.model, dimensions: embedder.dimensions, build: buildSettingsOf(config) };
      const openOptions = { rebuild, ...(build !== undefined ? { build } : {}), ...(shard ? { shard } : {}) };
      if (dryRun) {
        store.checkOptions(openOptions); // what the real run would be refused, a dry run is too
        // Nothing may be written: read what exists, if it fits this run, to report only what is new.
        const existing = rebuild ? null : stored;
        if (existing && !sameMeta(existing, meta)) throw store.mismatchError(existing, meta);
        if (!existing) full = true;
      } else {
        await store.open(meta, openOptions);
        if (sharded) await buildsOf(store, '--shard').recordShardRun(shardRunStarted(shard ?? WHOLE, build ?? null, await commit, startedAt));
      }
    } catch (err) {
      await embedder.close();
      throw err;
    }
    if (embedder.provider === 'local' && !this.loaded.origins['embedding.provider'] && !this.lexicalNoted) {
      this.lexicalNoted = true; // once per session: a watcher's every batch need not repeat it
      // Said when the index is created, where the choice is made; after that only under --verbose.
      const notice = 'provider local: lexical (BM25) index only — set embedding.provider (e.g. voyage) for semantic search';
      if (!stored && !dryRun) this.hooks.onInfo?.(notice);
      else this.hooks.onDebug?.(notice);
    }
    try {
      // A model on this machine is the slow part of a run: every chunk is written first (the
      // index is lexically searchable as soon as a lexical run would be), the vectors after.
      const deferVectors = !dryRun && !sharded && embedder.measureTokensPerSecond !== undefined && typeof store.fillVectors === 'function';
      const chunkerOptions: ChunkerOptions = {
        targetTokens: config.indexing.chunk_tokens,
        maxTokens: Math.min(config.indexing.chunk_tokens, embedder.limits.maxInputTokens),
        parser: config.indexing.parser,
      };
      // Made at the first file that needs chunking (a no-change rerun never starts tree-sitter).
      const chunker = this.chunkers.for(chunkerOptions);
      const run = new IndexRun(
        {
          root: this.root,
          store,
          embedder,
          chunker,
          signal,
          forceSignal: request.forceSignal,
          files: request.files,
          onProgress: (p) => {
            this.lastProgress = p;
            request.onProgress?.(p);
          },
          onSkip: request.onSkip,
          onFileFailed: request.onFileFailed,
          onFileDeferred: request.onFileDeferred,
          onSecret: request.onSecret,
          onWarning: request.onWarning ?? this.hooks.onWarning,
        },
        {
          indexing: config.indexing,
          filter: request.filter,
          scope: request.scope,
          shard,
          batchSize: config.embedding.batch_size,
          concurrency: config.embedding.concurrency,
          full,
          deferVectors,
          rebuild: rebuild && build === undefined,
          dryRun,
        },
      );
      this.running = run;
      this.runStarted = new Date();
      // A walk without reading, beside the real one: an early total for the progress display.
      if (!request.files && request.precount) void countFiles(this.root, config.indexing, request.filter, signal).then((n) => n !== null && run.setExpectedTotal(n));
      const summary = await run.run();
      if (deferVectors) await this.fillDeferred(store, embedder, summary, signal, request.onProgress);
      if (dryRun && embedder.measureTokensPerSecond && embedder.dimensions !== null && !summary.interrupted) {
        const rate = await embedder.measureTokensPerSecond(signal);
        summary.estimated_seconds = Math.round(summary.tokens / rate);
        summary.measured_tokens_per_second = Math.round(rate);
      }
      if (sharded && !dryRun) {
        // How the shard ended (a named build is published by cw publish, not here).
        await recordShardEnd(store, summary, { shard: shard ?? WHOLE, build: build ?? null, commit: await commit, startedAt }, this.say);
      } else if (rebuild && !dryRun) {
        await publishRebuild(store, summary, this.say);
      }
      summary.http = perClientDelta(this.httpStats(), httpBefore);
      summary.store_requests = counterDelta(store.stats(), storeBefore);
      return summary;
    } finally {
      this.running = null;
      this.lastProgress = null;
      await embedder.close();
      // The write lock is held only while a run writes: between runs, readers and other
      // writers (a `cw index` next to a server) are free to open the index.
      if (!dryRun) await store.close();
    }
  }

  /** A request for some paths, as the file source and scope the run takes. */
  private narrowed(request: IndexRequest): RunRequest {
    if (!request.paths) return request;
    const narrowed = narrowedRun(this.root, this.config.indexing, request.filter, request.paths);
    return narrowed ? { ...request, ...narrowed } : { ...request, paths: undefined };
  }

  /** The partial summary of the run in progress (a forced exit prints it), or an empty interrupted one. */
  snapshot(dryRun = false): RunSummary {
    const summary = this.running?.snapshot() ?? { ...emptySummary(), interrupted: true, dry_run: dryRun };
    summary.http = this.httpStats();
    return summary;
  }

  /** Searches the index (session/search.ts). */
  search(request: SearchRequest): Promise<SearchResult> {
    return this.searches.search(request);
  }

  /** Lines of a file the index covers, or the chunk around one (session/read-code.ts). */
  readCode(request: ReadRequest): Promise<ReadResult> {
    const { indexing } = this.config;
    const options: ChunkerOptions = { targetTokens: indexing.chunk_tokens, maxTokens: indexing.chunk_tokens, parser: indexing.parser };
    return readCode({ root: this.root, config: this.config, chunker: () => this.chunkers.for(options) }, request);
  }

  /** Exact or regular-expression matches in the files the index covers (session/grep.ts). */
  grep(request: Omit<GrepRequest, 'languages'> & { languages?: string[] }): Promise<GrepResult> {
    return grep({ root: this.root, config: this.config }, { ...request, languages: languageFilter(request.languages ?? []) });
  }

  /** Where a name is defined, from the symbols the index recorded (session/symbols.ts). */
  async findSymbols(request: SymbolRequest): Promise<{ matches: SymbolMatch[]; total: number }> {
    const store = await this.openReader();
    if (!(await store.openReadOnly())) throw new UsageError(`no index at ${store.location} — run \`cw index\` first`);
    return findSymbols(this.root, store, request);
  }

  /** A page of a search's ranking, for paging through it (session/search.ts). */
  searchPage(request: SearchRequest & { offset: number }): Promise<SearchPage> {
    return this.searches.page(request);
  }

  /** Makes a named build live (`cw publish`; session/builds.ts). */
  async publish(request: PublishRequest): Promise<PublishResult> {
    return publishBuild(await this.openStore(), request);
  }

  /** Removes the whole index (`cw clean`); resolves with what was removed. */
  async clean(): Promise<string[]> {
    return (await this.openStore()).drop();
  }

  /** What is indexed; null when there is no index yet. */
  async status(): Promise<StoreStatus | null> {
    const store = await this.openReader();
    const meta = await store.openReadOnly();
    return meta ? store.status() : null;
  }

  /**
   * What a refresh would change now: a dry run (nothing written; an unchanged file costs a
   * stat where the store keeps stat data). Null when there is no index to compare with.
   */
  async pendingChanges(): Promise<PendingChanges | null> {
    // Whether there is an index at all: its meta, not the counts status() would make.
    if (!(await (await this.openReader()).openReadOnly())) return null;
    const files = (await this.index({ dryRun: true })).files;
    return { new_or_changed: files.indexed, deleted: files.deleted + files.out_of_scope, unchanged: files.unchanged };
  }

  /**
   * The configuration the next plain run here would use (the index's remembered settings
   * wherever nothing was set explicitly) and the origin of each value that is not a default.
   */
  async effectiveConfig(): Promise<{ config: Config; origins: Record<string, string>; indexUnread: string | null }> {
    // The configuration must print even when the index cannot be read (a Qdrant that is down):
    // then without the index's settings, saying why.
    try {
      const store = await this.openReader();
      return { ...effectiveSettings(this.loaded, await store.openReadOnly(), store.location), indexUnread: null };
    } catch (err) {
      return { config: this.loaded.config, origins: this.loaded.origins, indexUnread: err instanceof Error ? err.message : String(err) };
    }
  }

  /** The reranker searches here use (search.rerank), or null when reranking is off. */
  rerankSettings(): ReturnType<typeof describeRerank> {
    return describeRerank(this.config.search.rerank);
  }

  /** The checkout's commit and branch (git's answer; nulls outside git). */
  worktree(): Promise<Worktree> {
    return worktreeHead(this.root);
  }

  /**
   * Closes the session (idempotent): a run in progress is stopped as by a first Ctrl-C (it
   * finishes the files it holds), then the stores, the chunkers and the pool are closed.
   */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      const errors: unknown[] = [];
      this.closeController.abort(new DOMException('the session is closing', 'AbortError'));
      await this.runQueue;
      await this.store?.release?.().catch((e: unknown) => errors.push(e));
      await this.store?.close().catch((e: unknown) => errors.push(e));
      await this.reader?.close().catch((e: unknown) => errors.push(e));
      await this.searches.close().catch((e: unknown) => errors.push(e));
      errors.push(...(await this.chunkers.close()));
      await this.pool?.closeAll(POOL_CLOSE_DEADLINE_MS);
      if (errors.length > 0) this.hooks.onWarning?.(`while closing: ${errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')}`);
    })());
  }

  /** Cuts every connection at once (a forced stop). */
  async destroyConnections(): Promise<void> {
    await this.pool?.destroyAll().catch(() => {});
  }

  /** The HTTP pool, loaded and created at first need. */
  private async openPool(): Promise<HttpClientPool> {
    if (this.pool) return this.pool;
    this.poolLoading ??= import('../http/pool.js').then(({ HttpClientPool }) => {
      this.pool = new HttpClientPool(this.config.http_pool, { onWarning: (m) => this.hooks.onWarning?.(m) });
      return this.pool;
    });
    return this.poolLoading;
  }

  private httpStats(): Record<string, HttpClientStats> {
    return this.pool?.stats() ?? {};
  }

  private async createEmbedder(config: Config, keyOptional: boolean): Promise<Embedder> {
    const provider = config.embedding.provider;
    return createEmbedder(config.embedding, {
      // The local provider sends nothing: no pool, no undici.
      pool: provider === 'local' ? undefined : await this.openPool(),
      // A dry run downloads no model: it uses one already cached, or says it cannot time the run.
      env: keyOptional && provider === 'onnx' ? { ...this.env, HF_HUB_OFFLINE: '1' } : this.env,
      keyOptional,
      onRetry: (event) => this.hooks.onRetry?.(provider, event),
      onModelProgress: this.hooks.onModelDownload,
    });
  }
}
