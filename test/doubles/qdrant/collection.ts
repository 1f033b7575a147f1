/**
 * One in-memory collection with Qdrant's semantics for the point operations the store uses.
 * Bodies arrive already validated against the OpenAPI description; this file checks what the
 * description cannot (vector names and sizes against the collection config) and answers in
 * Qdrant's documented result shapes.
 */
import { andFilters, matchesFilter } from './filter.js';
import { compareKeys, idFromKey, idKey, type PointId } from './ids.js';
import { notImplemented, QdrantHttpError, wrongInput } from './errors.js';
import {
  DEFAULT_RRF_K,
  denseScore,
  higherIsBetter,
  idfWeights,
  normalize,
  reciprocalRankFusion,
  sparseScore,
  type Distance,
  type SparseVector,
} from './scoring.js';

type Json = any;

export interface StoredPoint {
  id: string;
  /** By vector name; the unnamed default vector is stored under "". */
  vector: Record<string, any>;
  payload: Record<string, any>;
  /** Operation id of the last write that touched the point (Qdrant's point version). */
  version: number;
}

interface Scored {
  key: string;
  score: number;
}

const UNNAMED = '';
const isSparse = (v: unknown): v is SparseVector => v !== null && typeof v === 'object' && !Array.isArray(v) && 'indices' in v;

export class Collection {
  readonly points = new Map<string, StoredPoint>();
  readonly payloadIndexes: Record<string, any> = {};
  private operationId = 0;

  constructor(
    readonly name: string,
    /** The create-collection body, as sent (and as updated since). */
    readonly config: Json,
  ) {}

  /**
   * PATCH /collections/{name}: the parts of the configuration the double keeps. Quantization
   * changes only how Qdrant searches (candidates from int8, rescored with the full vectors), not
   * the answers of its exact scoring here; "Disabled" removes it.
   */
  update(body: Json): true {
    if (body.quantization_config === 'Disabled') delete this.config.quantization_config;
    else if (body.quantization_config !== undefined) this.config.quantization_config = structuredClone(body.quantization_config);
    return true;
  }

  private get namedDense(): boolean {
    const v = this.config.vectors;
    return !(v && typeof v.size === 'number');
  }

  private dense(name: string): { size: number; distance: Distance } | undefined {
    const v = this.config.vectors;
    if (!v) return undefined;
    if (!this.namedDense) return name === UNNAMED ? v : undefined;
    return name === UNNAMED ? undefined : v[name];
  }

  private sparse(name: string): { modifier?: string | null } | undefined {
    return this.config.sparse_vectors?.[name] ?? undefined;
  }

  private nextOperation(): number {
    return this.operationId++;
  }

  // ---- writes -------------------------------------------------------------------------------

  private checkVector(name: string, value: unknown): unknown {
    if (isSparse(value)) {
      if (!this.sparse(name)) throw wrongInput(`Not existing vector name error: ${name}`);
      if (value.indices.length !== value.values.length) throw wrongInput('Sparse vector indices and values must have the same length');
      if (new Set(value.indices).size !== value.indices.length) throw wrongInput('Sparse vector indices must be unique');
      const order = value.indices.map((_, k) => k).sort((a, b) => value.indices[a] - value.indices[b]);
      return { indices: order.map((k) => value.indices[k]), values: order.map((k) => value.values[k]) };
    }
    if (!Array.isArray(value) || value.some((x) => typeof x !== 'number')) throw notImplemented(`vector form for "${name}" (multi-vectors and inference objects)`);
    const params = this.dense(name);
    if (!params) throw wrongInput(`Not existing vector name error: ${name}`);
    if (value.length !== params.size) throw wrongInput(`Vector dimension error: expected dim: ${params.size}, got ${value.length}`);
    return params.distance === 'Cosine' ? normalize(value as number[]) : value.slice();
  }

  private toStoredVectors(vector: unknown): Record<string, unknown> {
    if (Array.isArray(vector)) return { [UNNAMED]: this.checkVector(UNNAMED, vector) };
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(vector as Record<string, unknown>)) out[name] = this.checkVector(name, value);
    return out;
  }

  /** PUT /points: insert or replace each point by id (idempotent). */
  upsert(body: Json, wait: boolean): Json {
    const incoming: Array<{ id: PointId; vector: unknown; payload?: Record<string, any> | null }> = [];
    if (Array.isArray(body.points)) incoming.push(...body.points);
    else {
      const { ids, vectors, payloads } = body.batch;
      ids.forEach((id: PointId, i: number) => {
        const vector = Array.isArray(vectors) ? vectors[i] : Object.fromEntries(Object.entries(vectors).map(([n, list]) => [n, (list as unknown[])[i]]));
        incoming.push({ id, vector, payload: payloads?.[i] });
      });
    }
    if (body.update_filter || (body.update_mode && body.update_mode !== 'upsert')) throw notImplemented('update_filter / update_mode');
    // Validate everything before changing anything: Qdrant rejects the batch as a whole.
    const prepared = incoming.map((p) => ({ key: idKey(p.id), vector: this.toStoredVectors(p.vector), payload: p.payload ?? {} }));
    const version = this.nextOperation();
    for (const p of prepared) this.points.set(p.key, { id: p.key, vector: p.vector, payload: structuredClone(p.payload), version });
    return { operation_id: version, status: wait ? 'completed' : 'acknowledged' };
  }

  /** POST /points/delete: by id list or by filter. */
  delete(body: Json, wait: boolean): Json {
    const keys = Array.isArray(body.points) ? body.points.map(idKey) : this.select(body.filter).map((p) => p.id);
    const version = this.nextOperation();
    for (const key of keys) this.points.delete(key);
    return { operation_id: version, status: wait ? 'completed' : 'acknowledged' };
  }

  /** PUT /index: remember the field's schema; Qdrant answers with an update result. */
  createPayloadIndex(body: Json, wait: boolean): Json {
    this.payloadIndexes[body.field_name] = body.field_schema ?? null;
    return { operation_id: this.nextOperation(), status: wait ? 'completed' : 'acknowledged' };
  }

  // ---- reads --------------------------------------------------------------------------------

  private select(filter: Json): StoredPoint[] {
    return [...this.points.values()].filter((p) => matchesFilter(filter, { key: p.id, payload: p.payload, vector: p.vector })).sort((a, b) => compareKeys(a.id, b.id));
  }

  private payloadOut(point: StoredPoint, withPayload: Json): Json {
    if (withPayload === false || withPayload === undefined || withPayload === null) return null;
    const payload = structuredClone(point.payload);
    if (withPayload === true) return payload;
    const include: string[] | undefined = Array.isArray(withPayload) ? withPayload : withPayload.include;
    if (include) return Object.fromEntries(Object.entries(payload).filter(([k]) => include.some((f) => f === k || f.startsWith(k + '.'))));
    const exclude: string[] = withPayload.exclude ?? [];
    return Object.fromEntries(Object.entries(payload).filter(([k]) => !exclude.includes(k)));
  }

  private vectorOut(point: StoredPoint, withVector: Json): Json {
    if (withVector === false || withVector === undefined || withVector === null) return null;
    if (!this.namedDense && withVector === true && Object.keys(point.vector).every((n) => n === UNNAMED)) return structuredClone(point.vector[UNNAMED]);
    const names = withVector === true ? Object.keys(point.vector) : (withVector as string[]);
    return Object.fromEntries(names.filter((n) => point.vector[n] !== undefined).map((n) => [n, structuredClone(point.vector[n])]));
  }

  private record(point: StoredPoint, withPayload: Json, withVector: Json): Json {
    return { id: idFromKey(point.id), payload: this.payloadOut(point, withPayload), vector: this.vectorOut(point, withVector) };
  }

  /** POST /points: by id, in request order, missing ids skipped; payload on by default. */
  retrieve(body: Json): Json {
    const seen = new Set<string>();
    const out: Json[] = [];
    for (const id of body.ids as PointId[]) {
      const key = idKey(id);
      const point = this.points.get(key);
      if (!point || seen.has(key)) continue;
      seen.add(key);
      out.push(this.record(point, body.with_payload ?? true, body.with_vector ?? false));
    }
    return out;
  }

  /** POST /points/scroll: id order, `offset` is the first id to return, `next_page_offset` the next. */
  scroll(body: Json): Json {
    if (body.order_by) throw notImplemented('scroll order_by');
    const limit = body.limit ?? 10;
    let matching = this.select(body.filter);
    if (body.offset !== undefined && body.offset !== null) {
      const from = idKey(body.offset);
      matching = matching.filter((p) => compareKeys(p.id, from) >= 0);
    }
    const page = matching.slice(0, limit);
    const next = matching[limit];
    return {
      points: page.map((p) => this.record(p, body.with_payload ?? true, body.with_vector ?? false)),
      next_page_offset: next ? idFromKey(next.id) : null,
    };
  }

  /** POST /points/count. The double is always exact. */
  count(body: Json): Json {
    return { count: this.select(body.filter).length };
  }

  /** POST /points/query: the Query API subset the store uses (dense, sparse, prefetch + fusion). */
  query(body: Json): Json {
    const ranked = this.runQuery(body, undefined, body.limit ?? 10, body.offset ?? 0);
    return {
      points: ranked.map(({ key, score }) => {
        const p = this.points.get(key)!;
        return { id: idFromKey(key), version: p.version, score, payload: this.payloadOut(p, body.with_payload ?? false), vector: this.vectorOut(p, body.with_vector ?? false) };
      }),
    };
  }

  private runQuery(request: Json, parentFilter: Json, limit: number, offset: number): Scored[] {
    if (request.lookup_from) throw notImplemented('lookup_from');
    const filter = andFilters(parentFilter, request.filter);
    const prefetches: Json[] = request.prefetch == null ? [] : Array.isArray(request.prefetch) ? request.prefetch : [request.prefetch];
    // Qdrant pushes the outer filter down into every prefetch.
    const lists = prefetches.map((p) => this.runQuery(p, filter, p.limit ?? 10, 0));
    let query = request.query;
    if (query && typeof query === 'object' && !Array.isArray(query) && 'nearest' in query) {
      if (query.mmr) throw notImplemented('mmr');
      query = query.nearest;
    }

    let scored: Scored[];
    if (query && typeof query === 'object' && ('fusion' in query || 'rrf' in query)) {
      if (prefetches.length === 0) throw wrongInput('Fusion queries require prefetches');
      if (query.fusion === 'dbsf') throw notImplemented('fusion dbsf');
      const k = query.rrf?.k ?? DEFAULT_RRF_K;
      scored = reciprocalRankFusion(lists.map((l) => l.map((s) => s.key)), k, query.rrf?.weights ?? undefined);
      scored.sort((a, b) => b.score - a.score || compareKeys(a.key, b.key));
    } else {
      const candidates = prefetches.length > 0 ? [...new Set(lists.flat().map((s) => s.key))].map((k) => this.points.get(k)!).filter((p) => matchesFilter(filter, { key: p.id, payload: p.payload, vector: p.vector })) : this.select(filter);
      scored = this.scoreCandidates(query, request.using ?? UNNAMED, candidates);
    }
    if (request.score_threshold != null) {
      const t = request.score_threshold;
      const high = !(query && this.dense(request.using ?? UNNAMED) && !higherIsBetter(this.dense(request.using ?? UNNAMED)!.distance));
      scored = scored.filter((s) => (high ? s.score >= t : s.score <= t));
    }
    return scored.slice(offset, offset + limit);
  }

  private scoreCandidates(query: Json, using: string, candidates: StoredPoint[]): Scored[] {
    if (query === undefined || query === null) return candidates.map((p) => ({ key: p.id, score: 0 }));
    let exclude: string | undefined;
    if (typeof query === 'number' || typeof query === 'string') {
      // Query by example: the stored vector of that point, which itself is left out.
      exclude = idKey(query);
      const source = this.points.get(exclude);
      if (!source) throw new QdrantHttpError(404, `Not found: No point with id ${query} found`, false);
      query = source.vector[using];
      if (query === undefined) throw wrongInput(`Not existing vector name error: ${using}`);
    }
    if (isSparse(query)) {
      const params = this.sparse(using);
      if (!params) throw wrongInput(`Not existing vector name error: ${using}`);
      const withVector = candidates.filter((p) => p.vector[using] !== undefined && p.id !== exclude);
      const idf = params.modifier === 'idf' ? idfWeights(query.indices, [...this.points.values()].filter((p) => p.vector[using]).map((p) => p.vector[using])) : undefined;
      const out: Scored[] = [];
      for (const p of withVector) {
        const score = sparseScore(query, p.vector[using], idf);
        if (score !== undefined) out.push({ key: p.id, score });
      }
      return out.sort((a, b) => b.score - a.score || compareKeys(a.key, b.key));
    }
    if (Array.isArray(query) && query.every((x) => typeof x === 'number')) {
      const params = this.dense(using);
      if (!params) throw wrongInput(`Not existing vector name error: ${using}`);
      if (query.length !== params.size) throw wrongInput(`Vector dimension error: expected dim: ${params.size}, got ${query.length}`);
      const q = params.distance === 'Cosine' ? normalize(query) : query;
      const high = higherIsBetter(params.distance);
      return candidates
        .filter((p) => p.vector[using] !== undefined && p.id !== exclude)
        .map((p) => ({ key: p.id, score: denseScore(params.distance, q, p.vector[using]) }))
        .sort((a, b) => (high ? b.score - a.score : a.score - b.score) || compareKeys(a.key, b.key));
    }
    throw notImplemented(`query kind ${JSON.stringify(Object.keys(query))}`);
  }

  // ---- info ---------------------------------------------------------------------------------

  /** GET /collections/{name}: CollectionInfo in Qdrant's shape. */
  info(): Json {
    const params: Json = { shard_number: this.config.shard_number ?? 1, replication_factor: this.config.replication_factor ?? 1, write_consistency_factor: this.config.write_consistency_factor ?? 1, on_disk_payload: this.config.on_disk_payload ?? true };
    if (this.config.vectors !== undefined) params.vectors = this.config.vectors;
    if (this.config.sparse_vectors) params.sparse_vectors = this.config.sparse_vectors;
    const payloadSchema: Json = {};
    for (const [field, schema] of Object.entries(this.payloadIndexes)) {
      const dataType = typeof schema === 'string' ? schema : schema?.type ?? 'keyword';
      const indexed = [...this.points.values()].filter((p) => p.payload[field] !== undefined).length;
      payloadSchema[field] = { data_type: dataType, ...(schema && typeof schema === 'object' ? { params: schema } : {}), points: indexed };
    }
    return {
      status: 'green',
      optimizer_status: 'ok',
      indexed_vectors_count: 0,
      points_count: this.points.size,
      segments_count: 1,
      config: {
        params,
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false, ...(this.config.hnsw_config ?? {}) },
        optimizer_config: { deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 0, max_segment_size: null, memmap_threshold: null, indexing_threshold: 10000, flush_interval_sec: 5, max_optimization_threads: null },
        wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0, wal_retain_closed: 1 },
        quantization_config: this.config.quantization_config ?? null,
      },
      payload_schema: payloadSchema,
    };
  }
}
