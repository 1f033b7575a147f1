import { QdrantClient } from '@qdrant/js-client-rest';
import { IndexMismatchError, ServiceError } from '../errors.js';
import { withRetries, type RetryPolicy } from '../http/retry.js';
import { displayUrl } from '../redact.js';
import { describeMeta, sameMeta } from './compatibility.js';
import { beforeDeadline, isConflict, isNotFound, isUnavailable, toRetryable, toUserError } from './qdrant/errors.js';
import {
  chunkPoint,
  DENSE,
  fileId,
  intentPoint,
  LAYOUT_VERSION,
  LEXICAL,
  manifestPoint,
  match,
  matchAny,
  META_ID,
  RECORDED_FILES,
  type Filter,
  type Payload,
  type Point,
} from './qdrant/points.js';
import { querySparseVector } from './ranking/bm25-sparse.js';
import type { BuildSettings, FileWrite, IndexMeta, SearchHit, SearchQuery, StoreStatus, VectorStore, WriteResult } from './vector-store.js';

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
const PAGE = 1000;
const LOOKUP_GROUP = 256;

/**
 * Qdrant is reached over a network: fail over quickly enough that a wrong URL gives its line in
 * seconds, but ride out a restart or a brief 503. Every operation here is idempotent
 * (deterministic ids), so every one may be retried.
 */
const QDRANT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, maxTotalWaitMs: 15_000, baseDelayMs: 250, maxDelayMs: 4_000 };

/** The meta point as read: what the index was built with, when, and whether it is a rebuild not yet published. */
type StoredMeta = IndexMeta & { created_at: string; last_indexed_at: string | null; building: boolean };

/**
 * The Qdrant store: one collection per repository behind an alias, holding `chunk`, `file`
 * (manifest) and `meta` points (see qdrant/points.ts). Everything an incremental run needs
 * lives in Qdrant, so a CI runner with an empty disk re-embeds only what changed.
 *
 * Rebuilds (`--full`) never touch the live collection: they fill a new one
 * (`<alias>.cw-<time>`), and `publish()` switches the alias to it in one request, then drops the
 * old one. Searches see the old index until the switch. An interrupted rebuild is resumed by
 * the next one (its meta point says `building`).
 */
export class QdrantStore implements VectorStore {
  readonly kind = 'qdrant' as const;
  readonly location: string;
  private readonly client: QdrantClient;
  private readonly counters: Record<string, number> = { requests: 0 };
  private meta: StoredMeta | null = null;
  /** The URL as printed: without credentials. */
  private readonly displayUrl: string;
  /** Files were written since the meta point's last_indexed_at was last updated. */
  private metaDirty = false;
  /** Set once Qdrant proved unreachable or stalled: later calls fail at once with it. */
  private broken: Error | null = null;
  /** The collection reads and writes go to: the live one, or the rebuild being filled. */
  private target: string;
  /** The live collection behind the alias when this store opened (null: none yet). */
  private live: { collection: string; viaAlias: boolean } | null = null;
  /** Set while a rebuild is open: publish() makes `target` live. */
  private rebuilding = false;

  constructor(private readonly options: QdrantStoreOptions) {
    const url = new URL(options.url);
    this.displayUrl = displayUrl(url.href);
    this.location = `${this.displayUrl} collection ${options.collection}`;
    this.target = options.collection;
    const prefix = url.pathname.replace(/\/+$/, '');
    this.client = new QdrantClient({
      // The client drops a URL's path unless it comes as `prefix` (e.g. behind a proxy).
      url: url.origin,
      prefix: prefix || undefined,
      // The URL is used exactly as given (the client would otherwise append :6333).
      port: null,
      // Sent as a header rather than `apiKey`, which makes the client print its own warning.
      headers: options.apiKey ? { 'api-key': options.apiKey } : undefined,
      timeout: options.timeoutMs,
      maxConnections: options.maxConnections,
      checkCompatibility: false,
    });
    if (options.apiKey && options.url.startsWith('http://') && !isLoopback(options.url)) {
      options.onWarning?.(`qdrant: sending ${options.apiKeyEnv} over plain http to ${this.displayUrl} — use https`);
    }
  }

  private get alias(): string {
    return this.options.collection;
  }

  async open(meta: IndexMeta, { rebuild }: { rebuild: boolean }): Promise<void> {
    this.live = await this.resolveLive();
    if (rebuild) {
      await this.openRebuild(meta);
      return;
    }
    if (!this.live) {
      await this.createFirst(meta);
      return;
    }
    this.target = this.live.collection;
    const stored = await this.readMeta(this.target);
    if (stored && !sameMeta(stored, meta)) {
      throw new IndexMismatchError(
        `the Qdrant collection "${this.alias}" was built with ${describeMeta(stored)}; this run uses ${describeMeta(meta)} — rerun with --full to rebuild it (searches keep the old index until the new one is complete), or pick another --collection`,
      );
    }
    if (!stored) {
      await this.assertVectorLayout(meta);
      await this.adoptCollection(meta, false);
    } else {
      // This run's settings are kept with the index (written with the meta point on close).
      this.meta = { ...stored, ...(meta.build ? { build: meta.build } : {}) };
      if (meta.build && JSON.stringify(meta.build) !== JSON.stringify(stored.build)) this.metaDirty = true;
    }
  }

  async openReadOnly(): Promise<IndexMeta | null> {
    this.live = await this.resolveLive();
    if (!this.live) return null;
    this.target = this.live.collection;
    this.meta = await this.readMeta(this.target);
    const m = this.meta;
    return m && { provider: m.provider, model: m.model, dimensions: m.dimensions, ...(m.build ? { build: m.build } : {}) };
  }

  /**
   * Makes an open rebuild the live index: one alias switch (atomic in Qdrant), then the old
   * collection is dropped. A no-op when this store was not opened for a rebuild.
   */
  async publish(): Promise<void> {
    if (!this.rebuilding || !this.meta) return;
    const build = this.target;
    this.meta = { ...this.meta, building: false, last_indexed_at: new Date().toISOString() };
    await this.writeMeta();
    const live = this.live;
    if (live?.viaAlias) {
      await this.call('update_aliases', () =>
        this.client.updateCollectionAliases({
          actions: [{ delete_alias: { alias_name: this.alias } }, { create_alias: { alias_name: this.alias, collection_name: build } }],
        }),
      );
    } else {
      // An index made by an older cw is a plain collection under the name itself: it must go
      // before the name can become an alias (two requests; every later rebuild switches in one).
      if (live) await this.call('delete_collection', () => this.client.deleteCollection(live.collection));
      await this.createAlias(build);
    }
    if (live?.viaAlias && live.collection !== build) {
      await this.call('delete_collection', () => this.client.deleteCollection(live.collection));
    }
    this.live = { collection: build, viaAlias: true };
    this.rebuilding = false;
    this.metaDirty = false;
  }

  async fileHashes(paths: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < paths.length; i += LOOKUP_GROUP) {
      const group = paths.slice(i, i + LOOKUP_GROUP);
      const points = await this.call('retrieve', () =>
        this.client.retrieve(this.target, { ids: group.map(fileId), with_payload: ['path', 'file_hash'], with_vector: false }),
      );
      for (const p of points) {
        const payload = p.payload as Payload | null;
        if (payload && typeof payload.path === 'string' && typeof payload.file_hash === 'string') out.set(payload.path, payload.file_hash);
      }
    }
    return out;
  }

  /** Every manifest, recorded or still an intent: a file interrupted mid-write is listed too. */
  async *listFiles(): AsyncIterable<string> {
    for await (const point of this.scrollAll({ must: [match('kind', 'file')] }, ['path'], false)) {
      const path = (point.payload as Payload | null)?.path;
      if (typeof path === 'string') yield path;
    }
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
    if (stale.length > 0) await this.call('delete', () => this.client.delete(this.target, { wait: true, points: stale }));
    // 3. Only now the manifest with its hash: a file is recorded once all its chunks are stored.
    await this.upsertAll(files.map((f) => manifestPoint(f, now)));
    this.metaDirty = true;
    return { chunksWritten: points.length, chunksDeleted: stale.length };
  }

  async deleteFiles(paths: string[]): Promise<number> {
    if (paths.length === 0) return 0;
    const filter = { must: [match('kind', 'chunk'), matchAny('path', paths)] };
    const { count } = await this.call('count', () => this.client.count(this.target, { filter, exact: true }));
    // Chunks first, manifests last: interrupted in between, the manifests make the next run do it again.
    await this.call('delete', () => this.client.delete(this.target, { wait: true, filter }));
    await this.call('delete', () => this.client.delete(this.target, { wait: true, points: paths.map(fileId) }));
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
    return (await this.call('count', () => this.client.count(this.target, { filter, exact: true }))).count;
  }

  async search(query: SearchQuery): Promise<SearchHit[]> {
    const must: unknown[] = [match('kind', 'chunk')];
    const prefix = query.pathPrefix?.replace(/^(\.\/)+/, '').replace(/^\/+|\/+$/g, '');
    // A directory (any file below it) or a single file.
    if (prefix && prefix !== '.') must.push({ should: [match('dirs', prefix), match('path', prefix)] });
    const filter = { must };
    // A lexical-only collection has no dense vector to query.
    const vector = this.meta?.dimensions ? query.vector : null;
    const sparse = querySparseVector(query.text);
    const candidates = Math.max(query.limit * 4, 20);
    const result = await this.call('query', () =>
      vector
        ? this.client.query(this.target, {
            prefetch: [
              { query: Array.from(vector), using: DENSE, limit: candidates, filter },
              ...(sparse.indices.length ? [{ query: sparse, using: LEXICAL, limit: candidates, filter }] : []),
            ],
            query: { fusion: 'rrf' },
            limit: query.limit,
            with_payload: true,
          })
        : sparse.indices.length === 0
          ? Promise.resolve({ points: [] })
          : this.client.query(this.target, { query: sparse, using: LEXICAL, filter, limit: query.limit, with_payload: true }),
    );
    return result.points.map((p) => {
      const payload = (p.payload ?? {}) as Payload;
      return {
        path: String(payload.path),
        startLine: Number(payload.start_line),
        endLine: Number(payload.end_line),
        score: p.score,
        snippet: String(payload.content ?? '')
          .split('\n')
          .slice(0, 8)
          .join('\n')
          .trimEnd(),
        snippetStartLine: Number(payload.start_line),
        symbol: typeof payload.symbol === 'string' ? payload.symbol : null,
        language: String(payload.language ?? 'text'),
      };
    });
  }

  async status(): Promise<StoreStatus> {
    if (!this.meta) await this.openReadOnly();
    const meta = this.meta;
    if (!meta) {
      return { kind: 'qdrant', location: this.location, meta: null, files: 0, chunks: 0, vectors: 0, createdAt: null, lastIndexedAt: null };
    }
    const countOf = (filter: Filter) =>
      this.call('count', () => this.client.count(this.target, { filter, exact: true })).then((r) => r.count);
    const [files, chunks] = await Promise.all([countOf(RECORDED_FILES), countOf({ must: [match('kind', 'chunk')] })]);
    return {
      kind: 'qdrant',
      location: this.location,
      meta: { provider: meta.provider, model: meta.model, dimensions: meta.dimensions },
      files,
      chunks,
      vectors: meta.dimensions ? chunks : 0,
      createdAt: meta.created_at,
      lastIndexedAt: meta.last_indexed_at,
    };
  }

  async drop(): Promise<string[]> {
    const live = await this.resolveLive();
    const removed: string[] = [];
    if (live?.viaAlias) {
      await this.call('update_aliases', () => this.client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: this.alias } }] }));
      removed.push(`alias ${this.alias}`);
    }
    const { collections } = await this.call('get_collections', () => this.client.getCollections());
    for (const { name } of collections) {
      if (name === live?.collection || name.startsWith(`${this.alias}.cw-`)) {
        await this.call('delete_collection', () => this.client.deleteCollection(name));
        removed.push(`collection ${name}`);
      }
    }
    this.meta = null;
    this.metaDirty = false;
    return removed;
  }

  stats(): Record<string, number> {
    return { ...this.counters };
  }

  /** Records when the index was last written (once per run, not per write). */
  async close(): Promise<void> {
    if (this.metaDirty && this.meta && !this.broken) {
      this.metaDirty = false;
      this.meta.last_indexed_at = new Date().toISOString();
      await this.writeMeta();
    }
    // The client owns its Agent and exposes no close; its idle sockets expire on their own and
    // the CLI exits explicitly once done.
  }

  // --- collections and the alias -----------------------------------------------------------

  /** What the alias points to; for an index made by an older cw, the plain collection of that name. */
  private async resolveLive(): Promise<{ collection: string; viaAlias: boolean } | null> {
    const { aliases } = await this.call('get_aliases', () => this.client.getAliases());
    const found = aliases.find((a) => a.alias_name === this.alias);
    if (found) return { collection: found.collection_name, viaAlias: true };
    const exists = await this.call('exists', () => this.client.collectionExists(this.alias)).then((r) => r.exists);
    return exists ? { collection: this.alias, viaAlias: false } : null;
  }

  /**
   * The first index of this name: collection `<alias>.cw-1` and the alias to it. The name is
   * fixed so that parallel runners (CI jobs) racing to create it end up in one collection.
   */
  private async createFirst(meta: IndexMeta): Promise<void> {
    const collection = `${this.alias}.cw-1`;
    this.target = collection;
    let created = false;
    try {
      await this.createCollection(collection, meta, false);
      created = true;
    } catch (err) {
      // Another runner created it first: join it like an existing one.
      if (!isConflict(err)) throw err;
    }
    if (!created) {
      const stored = await this.readMeta(collection);
      if (stored && !sameMeta(stored, meta)) {
        throw new IndexMismatchError(
          `the Qdrant collection "${collection}" was built with ${describeMeta(stored)}; this run uses ${describeMeta(meta)} — rerun with --full to rebuild it`,
        );
      }
      if (stored) this.meta = stored;
      else {
        await this.assertVectorLayout(meta);
        await this.adoptCollection(meta, false);
      }
    }
    await this.createAlias(collection);
    this.live = { collection, viaAlias: true };
  }

  /** Creates the alias; a runner that lost the race follows the alias the winner created. */
  private async createAlias(collection: string): Promise<void> {
    try {
      await this.call('update_aliases', () =>
        this.client.updateCollectionAliases({ actions: [{ create_alias: { alias_name: this.alias, collection_name: collection } }] }),
      );
    } catch (err) {
      if (!isConflict(err)) throw err;
      const live = await this.resolveLive();
      if (live?.viaAlias && live.collection === collection) return;
      throw new ServiceError(
        `qdrant: the alias "${this.alias}" was created for another collection (${live?.collection ?? 'none'}) by a concurrent run — rerun cw index`,
      );
    }
  }

  /**
   * Opens a rebuild: resumes an unfinished one of the same model, or starts a new collection.
   * Unfinished rebuilds of another model, or finished ones never published, are dropped.
   */
  private async openRebuild(meta: IndexMeta): Promise<void> {
    const prefix = `${this.alias}.cw-`;
    const { collections } = await this.call('get_collections', () => this.client.getCollections());
    let resume: { name: string; meta: StoredMeta } | null = null;
    for (const { name } of collections) {
      if (!name.startsWith(prefix) || name === this.live?.collection) continue;
      const stored = await this.readMeta(name).catch(() => null);
      if (!resume && stored?.building && sameMeta(stored, meta)) resume = { name, meta: stored };
      else await this.call('delete_collection', () => this.client.deleteCollection(name));
    }
    this.rebuilding = true;
    if (resume) {
      this.target = resume.name;
      this.meta = resume.meta;
      return;
    }
    const name = `${prefix}${(this.options.now?.() ?? new Date()).getTime().toString(36)}`;
    this.target = name;
    await this.createCollection(name, meta, true);
  }

  /** A collection without our meta point (made by hand, or a crash mid-create) must still fit. */
  private async assertVectorLayout(meta: IndexMeta): Promise<void> {
    const info = await this.call('get_collection', () => this.client.getCollection(this.target));
    const vectors = info.config.params.vectors as Record<string, { size?: number }> | undefined;
    const size = vectors?.[DENSE]?.size ?? null;
    const sparse = (info.config.params.sparse_vectors ?? {}) as Record<string, unknown>;
    if (size !== meta.dimensions || !(LEXICAL in sparse)) {
      throw new IndexMismatchError(
        `the Qdrant collection "${this.alias}" has ${size === null ? 'no' : `a ${size}-dim`} "${DENSE}" vector${LEXICAL in sparse ? '' : ` and no "${LEXICAL}" sparse vector`}, not the layout this run needs (${describeMeta(meta)}) — rerun with --full, or pick another --collection`,
      );
    }
  }

  private async createCollection(name: string, meta: IndexMeta, building: boolean): Promise<void> {
    await this.call('create_collection', () =>
      this.client.createCollection(name, {
        vectors: meta.dimensions ? { [DENSE]: { size: meta.dimensions, distance: 'Cosine' } } : {},
        sparse_vectors: { [LEXICAL]: { modifier: 'idf' } },
      }),
    );
    const indexes: Array<[string, 'keyword' | 'integer']> = [
      ['kind', 'keyword'],
      ['path', 'keyword'],
      ['dirs', 'keyword'],
      ['language', 'keyword'],
      ['content_hash', 'keyword'],
      ['file_hash', 'keyword'],
    ];
    for (const [field_name, field_schema] of indexes) {
      await this.call('create_index', () => this.client.createPayloadIndex(name, { field_name, field_schema, wait: true }));
    }
    await this.adoptCollection(meta, building);
  }

  /** Writes the meta point into the target collection, which has none (new, or made by hand). */
  private async adoptCollection(meta: IndexMeta, building: boolean): Promise<void> {
    const now = new Date().toISOString();
    this.meta = { ...meta, created_at: now, last_indexed_at: now, building };
    await this.writeMeta();
  }

  private async readMeta(collection: string): Promise<StoredMeta | null> {
    let p: Payload | null;
    try {
      const [point] = await this.call(
        'retrieve',
        () => this.client.retrieve(collection, { ids: [META_ID], with_payload: true, with_vector: false }),
        { missingOk: true },
      );
      p = (point?.payload as Payload | undefined) ?? null;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    if (!p || p.kind !== 'meta') return null;
    if (p.layout_version !== LAYOUT_VERSION) {
      throw new IndexMismatchError(
        `the Qdrant collection "${this.alias}" has layout version ${String(p.layout_version)}, this cw writes ${LAYOUT_VERSION} — rerun with --full`,
      );
    }
    return {
      provider: String(p.provider),
      model: String(p.model),
      dimensions: typeof p.dimensions === 'number' ? p.dimensions : null,
      created_at: String(p.created_at),
      last_indexed_at: typeof p.last_indexed_at === 'string' ? p.last_indexed_at : null,
      building: p.building === true,
      ...(p.build && typeof p.build === 'object' ? { build: p.build as BuildSettings } : {}),
    };
  }

  private async writeMeta(): Promise<void> {
    const m = this.meta!;
    await this.upsertAll([
      {
        id: META_ID,
        vector: {},
        payload: {
          kind: 'meta',
          layout_version: LAYOUT_VERSION,
          provider: m.provider,
          model: m.model,
          dimensions: m.dimensions,
          created_at: m.created_at,
          last_indexed_at: m.last_indexed_at,
          building: m.building,
          build: m.build ?? null,
        },
      },
    ]);
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
        await this.call('upsert', () => this.client.upsert(this.target, { wait: true, points: batch as never }));
      }
    };
    await Promise.all(Array.from({ length: Math.min(UPSERT_CONCURRENCY, Math.ceil(points.length / size)) }, worker));
  }

  /** Scrolls every point matching `filter`, a page at a time. */
  private async *scrollAll(
    filter: Filter,
    withPayload: string[] | boolean,
    withVector: string[] | boolean,
  ): AsyncGenerator<{ id: string | number; payload?: unknown; vector?: unknown }> {
    let offset: string | number | undefined;
    for (;;) {
      const page = await this.call('scroll', () =>
        this.client.scroll(this.target, { filter, limit: PAGE, offset, with_payload: withPayload, with_vector: withVector }),
      );
      for (const p of page.points) yield p as { id: string | number; payload?: unknown; vector?: unknown };
      const nextOffset = page.next_page_offset;
      if (nextOffset === null || nextOffset === undefined || typeof nextOffset === 'object') return;
      offset = nextOffset;
    }
  }

  /**
   * One Qdrant operation: counted, retried where safe (all of ours are idempotent), one clear
   * line on failure. Its attempts and backoff share one deadline (the read timeout), so a
   * Qdrant that accepts connections but never answers costs one timeout, not one per attempt.
   * Once Qdrant is unreachable or stalled, the store is broken: every later call (the meta
   * write on close included) fails at once with the same line.
   */
  private async call<T>(op: string, fn: () => Promise<T>, opts: { missingOk?: boolean } = {}): Promise<T> {
    if (this.broken) throw this.broken;
    const deadline = Date.now() + this.options.timeoutMs;
    try {
      return await withRetries(
        async () => {
          this.counters.requests!++;
          this.counters[op] = (this.counters[op] ?? 0) + 1;
          try {
            return await beforeDeadline(fn(), deadline);
          } catch (err) {
            throw toRetryable(err);
          }
        },
        { label: 'qdrant', policy: this.options.retryPolicy ?? QDRANT_RETRY_POLICY, deadline },
      );
    } catch (err) {
      // A missing collection (where the caller expects one may be missing), or one created
      // meanwhile, is an answer callers handle.
      if ((opts.missingOk && isNotFound(err)) || isConflict(err)) throw err;
      const userError = toUserError(err, this.ctx(op));
      if (isUnavailable(err)) this.broken = userError;
      throw userError;
    }
  }

  private ctx(op: string) {
    return {
      url: this.displayUrl,
      apiKeyEnv: this.options.apiKeyEnv,
      op: op.replace(/_/g, ' '),
      collection: this.alias,
      timeoutSeconds: this.options.timeoutMs / 1000,
    };
  }
}


function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}
