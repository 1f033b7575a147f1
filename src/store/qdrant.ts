import { IndexMismatchError, ServiceError, UsageError } from '../errors.js';
import { isLoopbackUrl } from '../http/loopback.js';
import type { RetryPolicy } from '../http/retry.js';
import { displayUrl } from '../redact.js';
import { describeMeta, sameMeta } from './compatibility.js';
import { QdrantCaller } from './qdrant/caller.js';
import { buildPrefix, Collections, FIRST_COLLECTION_SUFFIX, namedBuild, type LiveCollection, type StoredMeta } from './qdrant/collections.js';
import { isConflict } from './qdrant/errors.js';
import {
  chunkPoint,
  DENSE,
  fileId,
  intentPoint,
  manifestPoint,
  match,
  matchAny,
  RECORDED_FILES,
  shardManifests,
  shardRunOf,
  shardRunPoint,
  type Filter,
  type Payload,
  type Point,
} from './qdrant/points.js';
import { searchCollection } from './qdrant/search.js';
import type { QuantizationSetting } from './qdrant/quantization.js';
import { scrollPoints, type ScrolledPoint } from './qdrant/scroll.js';
import type { Shard } from '../discovery/shard.js';
import type {
  BuildState,
  FileWrite,
  IndexMeta,
  OpenOptions,
  SearchHit,
  SearchQuery,
  ShardRun,
  StoreStatus,
  VectorStore,
  WriteResult,
} from './vector-store.js';

export { defaultCollectionName } from './qdrant/collection-name.js';
export { directoryPrefixes } from './qdrant/points.js';

export interface QdrantStoreOptions {
  url: string;
  apiKey?: string;
  /** The variable the key comes from, for messages (never the key itself). */
  apiKeyEnv: string;
  /** The name users and searches use: an alias of the live collection (or, for indexes made by an older cw, the collection itself). */
  collection: string;
  upsertBatchSize: number;
  /** store.quantization: int8 for the search pass over dense vectors, rescored (qdrant/quantization.ts); default none. */
  quantization?: QuantizationSetting;
  /** Sizes the client's own undici Agent: it accepts no injected dispatcher. */
  maxConnections: number;
  timeoutMs: number;
  onWarning?: (message: string) => void;
  /** Retry limits (tests shorten them). */
  retryPolicy?: RetryPolicy;
  /** Clock for build names (tests pass a fixed one). */
  now?: () => Date;
}

/** Upserts in flight at once for one write. */
const UPSERT_CONCURRENCY = 4;
const LOOKUP_GROUP = 256;

/**
 * The Qdrant store: one collection per repository behind an alias, holding `chunk`, `file`
 * (manifest) and `meta` points (see qdrant/points.ts). Everything an incremental run needs
 * lives in Qdrant, so a CI runner with an empty disk re-embeds only what changed.
 *
 * Rebuilds (`--full`) never touch the live collection: they fill a new one (see
 * qdrant/collections.ts), and `publish()` switches the alias to it in one request, then drops
 * the old one. Searches see the old index until the switch. An interrupted rebuild is resumed
 * by the next one (its meta point says `building`).
 */
export class QdrantStore implements VectorStore {
  readonly kind = 'qdrant' as const;
  /** A collection on a server, other people's index too. */
  readonly shared = true;
  readonly localFiles: readonly string[] = [];
  readonly location: string;
  private readonly caller: QdrantCaller;
  private readonly collections: Collections;
  private meta: StoredMeta | null = null;
  /** Files were written since the meta point's last_indexed_at was last updated. */
  private metaDirty = false;
  /** The collection reads and writes go to: the live one, or the rebuild being filled. */
  private target: string;
  /** The live collection behind the alias when this store opened (null: none yet). */
  private live: LiveCollection | null = null;
  /** Set while a rebuild is open: publish() makes `target` live. */
  private rebuilding = false;

  constructor(private readonly options: QdrantStoreOptions) {
    const url = new URL(options.url);
    const shown = displayUrl(url.href);
    this.location = `${shown} collection ${options.collection}`;
    this.target = options.collection;
    this.caller = new QdrantCaller({
      url,
      displayUrl: shown,
      apiKey: options.apiKey,
      apiKeyEnv: options.apiKeyEnv,
      alias: options.collection,
      maxConnections: options.maxConnections,
      timeoutMs: options.timeoutMs,
      retryPolicy: options.retryPolicy,
    });
    this.collections = new Collections(this.caller, options.collection);
    if (options.apiKey && options.url.startsWith('http://') && !isLoopbackUrl(options.url)) {
      options.onWarning?.(`qdrant: sending ${options.apiKeyEnv} over plain http to ${shown} — use https`);
    }
  }

  private get alias(): string {
    return this.options.collection;
  }

  /** Qdrant takes shards and named builds; whether a build may be joined is asked of the server when opening. */
  checkOptions(): void {}

  async open(meta: IndexMeta, { rebuild, build, shard }: OpenOptions): Promise<void> {
    this.live = await this.collections.resolveLive();
    if (build !== undefined) await this.openNamedBuild(meta, build);
    else if (rebuild) await this.openRebuild(meta);
    else if (!this.live) await this.createFirst(meta);
    else {
      this.target = this.live.collection;
      await this.joinExisting(meta, `the Qdrant collection "${this.alias}"`);
    }
    // A shard lists its own files by their key: a collection made before shards needs the index.
    if (shard && shard.count > 1) await this.collections.ensureIndex(this.target, 'path_key', 'integer');
    if (meta.dimensions) await this.collections.alignQuantization(this.target, this.options.quantization ?? 'none');
  }

  async openReadOnly(): Promise<IndexMeta | null> {
    this.live = await this.collections.resolveLive();
    if (!this.live) return null;
    this.target = this.live.collection;
    this.meta = await this.collections.readMeta(this.target);
    const m = this.meta;
    return m && { provider: m.provider, model: m.model, dimensions: m.dimensions, ...(m.build ? { build: m.build } : {}) };
  }

  /**
   * Makes an open rebuild the live index: one alias switch (atomic in Qdrant), then the old
   * collection is dropped. A no-op when this store was not opened for a rebuild.
   */
  async publish(): Promise<void> {
    if (!this.rebuilding || !this.meta) return;
    this.meta = { ...this.meta, building: false, last_indexed_at: new Date().toISOString() };
    await this.collections.writeMeta(this.target, this.meta);
    await this.collections.switchTo(this.target, this.live);
    this.live = { collection: this.target, viaAlias: true };
    this.rebuilding = false;
    this.metaDirty = false;
  }

  async fileHashes(paths: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < paths.length; i += LOOKUP_GROUP) {
      const group = paths.slice(i, i + LOOKUP_GROUP);
      const points = await this.caller.call('retrieve', (c) =>
        c.retrieve(this.target, { ids: group.map(fileId), with_payload: ['path', 'file_hash'], with_vector: false }),
      );
      for (const p of points) {
        const payload = p.payload as Payload | null;
        if (payload && typeof payload.path === 'string' && typeof payload.file_hash === 'string') out.set(payload.path, payload.file_hash);
      }
    }
    return out;
  }


  /**
   * Every manifest, recorded or still an intent: a file interrupted mid-write is listed too.
   * Manifests carry no directory list to filter on, so `under` is left to the caller; a shard's
   * are found by their key range.
   */
  async *listFiles(_under?: readonly string[], shard?: Shard): AsyncIterable<string> {
    const filter = shard && shard.count > 1 ? shardManifests(shard) : { must: [match('kind', 'file')] };
    for await (const point of this.scrollAll(filter, ['path'], false)) {
      const path = (point.payload as Payload | null)?.path;
      if (typeof path === 'string') yield path;
    }
  }

  async recordShardRun(run: ShardRun): Promise<void> {
    await this.caller.call('upsert', (c) => c.upsert(this.target, { wait: true, points: [shardRunPoint(run)] as never }));
  }

  async buildState(build: string): Promise<BuildState> {
    const live = await this.collections.resolveLive();
    const location = namedBuild(this.alias, build);
    const exists = await this.collections.exists(location);
    const meta = exists ? await this.collections.readMeta(location) : null;
    const [runs, files, chunks] = exists
      ? await Promise.all([this.shardRunsIn(location), this.countIn(location, RECORDED_FILES), this.countIn(location, { must: [match('kind', 'chunk')] })])
      : [[], 0, 0];
    return {
      build,
      location,
      exists,
      live: live?.collection === location,
      meta: meta && { provider: meta.provider, model: meta.model, dimensions: meta.dimensions },
      runs,
      files,
      chunks,
    };
  }

  /** Switches the alias to the build's collection (one request), then drops the one it replaced. */
  async publishBuild(build: string): Promise<string | null> {
    const live = await this.collections.resolveLive();
    const collection = namedBuild(this.alias, build);
    const meta = await this.collections.readMeta(collection);
    if (!meta) throw new UsageError(`qdrant: build "${build}" has no index (${collection}) — run its shards first`);
    await this.collections.writeMeta(collection, { ...meta, building: false, last_indexed_at: new Date().toISOString() });
    await this.collections.switchTo(collection, live);
    this.live = { collection, viaAlias: true };
    return live && live.collection !== collection ? live.collection : null;
  }

  async reusableVectors(contentHashes: string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    if (!this.meta?.dimensions || contentHashes.length === 0) return out;
    for (let i = 0; i < contentHashes.length; i += LOOKUP_GROUP) {
      const group = contentHashes.slice(i, i + LOOKUP_GROUP);
      const filter = { must: [match('kind', 'chunk'), matchAny('content_hash', group)] };
      for await (const point of this.scrollAll(filter, ['content_hash'], [DENSE])) {
        const hash = (point.payload as Payload | null)?.content_hash;
        const vector = (point.vector as Record<string, unknown> | undefined)?.[DENSE];
        if (typeof hash === 'string' && Array.isArray(vector) && !out.has(hash)) out.set(hash, Float32Array.from(vector as number[]));
        if (group.every((h) => out.has(h))) break;
      }
    }
    return out;
  }

  async writeFiles(files: FileWrite[]): Promise<WriteResult> {
    if (files.length === 0) return { chunksWritten: 0, chunksDeleted: 0 };
    const now = new Date().toISOString();
    const points = files.flatMap((f) => f.chunks.map((c) => this.checkedChunkPoint(f, c)));
    // 0. The intent: a manifest without a hash for every file, before any of its chunks.
    await this.upsertAll(files.map((f) => intentPoint(f, now)));
    // 1. Every chunk of these files, idempotently (ids derive from the chunks).
    await this.upsertAll(points);
    // 2. Their stale chunks (from an earlier version of the file).
    const keep = new Set(points.map((p) => p.id));
    const stale: string[] = [];
    const filter = { must: [match('kind', 'chunk'), matchAny('path', files.map((f) => f.path))] };
    for await (const point of this.scrollAll(filter, false, false)) if (!keep.has(String(point.id))) stale.push(String(point.id));
    if (stale.length > 0) await this.caller.call('delete', (c) => c.delete(this.target, { wait: true, points: stale }));
    // 3. Only now the manifest with its hash: a file is recorded once all its chunks are stored.
    await this.upsertAll(files.map((f) => manifestPoint(f, now)));
    this.metaDirty = true;
    return { chunksWritten: points.length, chunksDeleted: stale.length };
  }

  async deleteFiles(paths: string[]): Promise<number> {
    if (paths.length === 0) return 0;
    const filter = { must: [match('kind', 'chunk'), matchAny('path', paths)] };
    const { count } = await this.caller.call('count', (c) => c.count(this.target, { filter, exact: true }));
    // Chunks first, manifests last: interrupted in between, the manifests make the next run do it again.
    await this.caller.call('delete', (c) => c.delete(this.target, { wait: true, filter }));
    await this.caller.call('delete', (c) => c.delete(this.target, { wait: true, points: paths.map(fileId) }));
    this.metaDirty = true;
    return count;
  }

  async planWrite(files: FileWrite[]): Promise<WriteResult> {
    const chunksWritten = files.reduce((n, f) => n + f.chunks.length, 0);
    if (files.length === 0 || !this.meta) return { chunksWritten, chunksDeleted: 0 };
    const keep = new Set(files.flatMap((f) => f.chunks.map((c) => c.id)));
    let chunksDeleted = 0;
    const filter = { must: [match('kind', 'chunk'), matchAny('path', files.map((f) => f.path))] };
    for await (const point of this.scrollAll(filter, false, false)) if (!keep.has(String(point.id))) chunksDeleted++;
    return { chunksWritten, chunksDeleted };
  }

  async countChunks(paths: string[]): Promise<number> {
    if (paths.length === 0 || !this.meta) return 0;
    const filter = { must: [match('kind', 'chunk'), matchAny('path', paths)] };
    return (await this.caller.call('count', (c) => c.count(this.target, { filter, exact: true }))).count;
  }

  async search(query: SearchQuery): Promise<SearchHit[]> {
    return searchCollection(this.caller, this.target, this.meta?.dimensions ?? null, query, this.options.quantization ?? 'none');
  }

  async status(): Promise<StoreStatus> {
    if (!this.meta) await this.openReadOnly();
    const meta = this.meta;
    if (!meta) {
      return { kind: 'qdrant', location: this.location, meta: null, files: 0, chunks: 0, vectors: 0, createdAt: null, lastIndexedAt: null };
    }
    const [files, chunks, shardRuns, pendingBuilds] = await Promise.all([
      this.countIn(this.target, RECORDED_FILES),
      this.countIn(this.target, { must: [match('kind', 'chunk')] }),
      this.shardRunsIn(this.target),
      this.pendingBuilds(),
    ]);
    return {
      kind: 'qdrant',
      location: this.location,
      meta: { provider: meta.provider, model: meta.model, dimensions: meta.dimensions },
      files,
      chunks,
      vectors: meta.dimensions ? chunks : 0,
      ...(meta.dimensions ? { denseEngine: 'qdrant' as const } : {}),
      createdAt: meta.created_at,
      lastIndexedAt: meta.last_indexed_at,
      shardRuns,
      pendingBuilds,
    };
  }

  private countIn(collection: string, filter: Filter): Promise<number> {
    return this.caller.call('count', (c) => c.count(collection, { filter, exact: true })).then((r) => r.count);
  }

  private async shardRunsIn(collection: string): Promise<ShardRun[]> {
    const runs: ShardRun[] = [];
    for await (const point of this.scrollAll({ must: [match('kind', 'shard')] }, true, false, collection)) {
      const run = shardRunOf(point.payload as Payload | null);
      if (run) runs.push(run);
    }
    return runs.sort((a, b) => a.shards - b.shards || a.shard - b.shard);
  }

  private async pendingBuilds(): Promise<Array<{ build: string; runs: ShardRun[] }>> {
    const out: Array<{ build: string; runs: ShardRun[] }> = [];
    for (const { build, collection } of await this.collections.namedBuilds(this.live)) out.push({ build, runs: await this.shardRunsIn(collection) });
    return out;
  }

  async drop(): Promise<string[]> {
    const removed = await this.collections.dropAll();
    this.meta = null;
    this.metaDirty = false;
    return removed;
  }

  stats(): Record<string, number> {
    return { ...this.caller.counters };
  }

  /** Qdrant offers no lock between processes: a second writer is not refused (see VectorStore). */

  /** Records when the index was last written (once per run, not per write). */
  async close(): Promise<void> {
    if (this.metaDirty && this.meta && !this.caller.broken) {
      this.metaDirty = false;
      this.meta.last_indexed_at = new Date().toISOString();
      await this.collections.writeMeta(this.target, this.meta);
    }
    // The client owns its Agent and exposes no close; its idle sockets expire on their own and
    // the CLI exits explicitly once done.
  }

  // --- opening ---------------------------------------------------------------------------

  mismatchError(stored: IndexMeta, wanted: IndexMeta, what = `the Qdrant collection "${this.alias}"`): IndexMismatchError {
    return new IndexMismatchError(
      `${what} was built with ${describeMeta(stored)}; this run uses ${describeMeta(wanted)} — rerun with --full to rebuild it (searches keep the old index until the new one is complete), or pick another --collection`,
    );
  }

  /** Checks an existing collection against this run, and keeps this run's settings with it. */
  private async joinExisting(meta: IndexMeta, what: string): Promise<void> {
    const stored = await this.collections.readMeta(this.target);
    if (stored && !sameMeta(stored, meta)) throw this.mismatchError(stored, meta, what);
    if (!stored) {
      await this.collections.assertLayout(this.target, meta);
      this.meta = newMeta(meta, false);
      await this.collections.writeMeta(this.target, this.meta);
      return;
    }
    this.meta = { ...stored, ...(meta.build ? { build: meta.build } : {}) };
    if (meta.build && JSON.stringify(meta.build) !== JSON.stringify(stored.build)) this.metaDirty = true;
  }

  /** The first index of this name: its collection and the alias to it (race-safe for parallel runners). */
  private async createFirst(meta: IndexMeta): Promise<void> {
    const collection = `${this.alias}${FIRST_COLLECTION_SUFFIX}`;
    this.target = collection;
    try {
      this.meta = newMeta(meta, false);
      await this.collections.create(collection, this.meta);
    } catch (err) {
      // Another runner created it first: join it like an existing one.
      if (!isConflict(err)) throw err;
      await this.joinExisting(meta, `the Qdrant collection "${collection}"`);
    }
    await this.collections.createAlias(collection);
    this.live = { collection, viaAlias: true };
  }

  /**
   * Opens a rebuild: resumes an unfinished one of the same model, or starts a new collection.
   * Unfinished rebuilds of another model, or finished ones never published, are dropped.
   */
  private async openRebuild(meta: IndexMeta): Promise<void> {
    let resume: { name: string; meta: StoredMeta } | null = null;
    const named = new Set((await this.collections.namedBuilds(this.live)).map((b) => b.collection));
    for (const name of await this.collections.rebuilds(this.live)) {
      if (named.has(name)) continue; // another runner's named build: published or cleaned, never discarded here
      const stored = await this.collections.readMeta(name).catch(() => null);
      if (!resume && stored?.building && sameMeta(stored, meta)) resume = { name, meta: stored };
      else await this.collections.deleteCollection(name);
    }
    this.rebuilding = true;
    if (resume) {
      this.target = resume.name;
      this.meta = resume.meta;
      return;
    }
    this.target = `${buildPrefix(this.alias)}${(this.options.now?.() ?? new Date()).getTime().toString(36)}`;
    this.meta = newMeta(meta, true);
    await this.collections.create(this.target, this.meta);
  }

  /**
   * Opens the named build that several shards fill together: the first to come creates its
   * collection (a fixed name, so racing runners end up in one), the others join it. A build of
   * another model, or one already published, is refused: its shards would not add up.
   */
  private async openNamedBuild(meta: IndexMeta, build: string): Promise<void> {
    const collection = namedBuild(this.alias, build);
    this.target = collection;
    if (this.live?.collection === collection) {
      throw new UsageError(`build "${build}" is already the live index of "${this.alias}" (published) — give a new --build ID for a new rebuild`);
    }
    try {
      this.meta = newMeta(meta, true);
      await this.collections.create(collection, this.meta);
      return;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
    const stored = await this.collections.readMeta(collection);
    if (!stored) {
      // The creator has not written its meta point yet (or died before): the layout must fit.
      await this.collections.assertLayout(collection, meta);
      this.meta = newMeta(meta, true);
      await this.collections.writeMeta(collection, this.meta);
      return;
    }
    if (!sameMeta(stored, meta)) {
      throw new IndexMismatchError(
        `build "${build}" was started with ${describeMeta(stored)}; this run uses ${describeMeta(meta)} — every shard of a build must use the same model (or give a new --build ID)`,
      );
    }
    if (!stored.building) throw new UsageError(`build "${build}" was published and has since been replaced — give a new --build ID`);
    this.meta = { ...stored, ...(meta.build ? { build: meta.build } : {}) };
  }

  // --- points ----------------------------------------------------------------------------

  private checkedChunkPoint(file: FileWrite, c: FileWrite['chunks'][number]): Point {
    const dims = this.meta?.dimensions ?? null;
    if ((c.vector?.length ?? null) !== dims) {
      // A chunk without its vector would silently drop out of dense search and reuse.
      throw new ServiceError(
        `qdrant: chunk ${c.path}:${c.startLine} has ${c.vector ? `a ${c.vector.length}-dim vector` : 'no vector'}, the collection holds ${dims === null ? 'none' : `${dims}-dim vectors`}`,
      );
    }
    return chunkPoint(file, c);
  }

  /** Upserts in batches, a few in flight, each waited for: a file is recorded only after. */
  private async upsertAll(points: Point[]): Promise<void> {
    const size = this.options.upsertBatchSize;
    let next = 0;
    const worker = async () => {
      while (next < points.length) {
        const batch = points.slice(next, (next += size));
        await this.caller.call('upsert', (c) => c.upsert(this.target, { wait: true, points: batch as never }));
      }
    };
    await Promise.all(Array.from({ length: Math.min(UPSERT_CONCURRENCY, Math.ceil(points.length / size)) }, worker));
  }

  /** Scrolls every point matching `filter`, a page at a time (qdrant/scroll.ts). */
  private scrollAll(filter: Filter, withPayload: string[] | boolean, withVector: string[] | boolean, collection = this.target): AsyncGenerator<ScrolledPoint> {
    return scrollPoints(this.caller, collection, filter, withPayload, withVector);
  }

}

function newMeta(meta: IndexMeta, building: boolean): StoredMeta {
  const now = new Date().toISOString();
  return { ...meta, created_at: now, last_indexed_at: now, building };
}

