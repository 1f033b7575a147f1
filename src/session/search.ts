/**
 * The session's search service: one query made canonical once (`under` confined to the root),
 * embedded by the model that built the index, run against the store, then ranked and filtered
 * the same way whatever the store: files the query names, path priors and per-file diversity
 * over 3× the wanted hits, language and glob filters over candidates widened until enough pass.
 *
 * One query embedder per model for the session's life: a long-lived server (`cw mcp`) keeps its
 * connections, its 429 cool-down and its rate budget from one query to the next.
 */
import type { LoadedConfig } from '../config/load.js';
import { languageFilter } from '../discovery/language.js';
import { filterPath } from '../discovery/repo-path.js';
import { RunFilter } from '../discovery/run-filter.js';
import { createEmbedder } from '../embedding/create.js';
import type { Embedder } from '../embedding/embedder.js';
import type { HubProgress } from '../embedding/hub/download.js';
import { UsageError } from '../errors.js';
import type { HttpClientPool } from '../http/pool.js';
import { addSecretsFromEnv } from '../redact.js';
import { diversifyByFile } from '../store/ranking/diversity.js';
import { boostNamedFiles } from '../store/ranking/named-files.js';
import { applyPathPriors } from '../store/ranking/priors.js';
import { searchModeOf, type IndexMeta, type SearchHit, type SearchMode, type VectorStore } from '../store/vector-store.js';
import { queryEmbedderConfig } from './build-info.js';
import { queryWithin } from './query-cut.js';
import { RerankStage, type RerankReport } from './rerank-stage.js';

export type { RerankReport } from './rerank-stage.js';

/** Candidates fetched per wanted hit when filters may drop some; widened until enough pass. */
const FILTER_WIDENING = [4, 16, 64];
/** Candidates per wanted hit for the path priors to re-rank (a ranked-down test makes room for code below it). */
const PRIOR_CANDIDATES = 3;

export interface SearchRequest {
  query: string;
  limit: number;
  /** Only results below this repository-relative directory. */
  under?: string;
  /** Only results in these languages (as `cw search --json` names them: typescript, python, …). */
  languages?: string[];
  /** Only results in files matching these globs (.gitignore syntax), and none matching `exclude`. */
  include?: string[];
  exclude?: string[];
  /** At most this many results from one file. */
  perFile?: number;
  /** No result scored below this (scores as the results show them). */
  minScore?: number;
  /**
   * Rerank the best first-stage hits: undefined = when search.rerank is configured; true = the
   * user asked (no reranker configured, or a refused key, is then an error); false = never.
   */
  rerank?: boolean;
}

export interface SearchResult {
  hits: SearchHit[];
  searchMode: SearchMode;
  /** Null when no reranker was to be used; else whether it reordered the hits, and if not why. */
  rerank: RerankReport | null;
}

/**
 * A page of a query's ranking. The first page is ranked as `cw search --limit <limit>` ranks it
 * (as fast: a ranking is made for the hits wanted); a later page extends that ranking to
 * RANKING_DEPTH hits, keeping every hit an earlier page showed where it was and leaving them out
 * of the rest. So pages fetched one after another neither skip nor repeat a hit, although a ranking
 * made for more hits can order them differently (fusion, priors and diversity look at the
 * candidates they are given).
 */
export interface SearchPage extends SearchResult {
  offset: number;
  /** Hits ranked so far (at most RANKING_DEPTH). */
  total: number;
  /** Whether `total` is all there is: the ranking reached RANKING_DEPTH or ran out of hits. */
  complete: boolean;
}

/** The deepest a ranking goes for paging (an agent's page-through; MCP search_code). */
export const RANKING_DEPTH = 200;
/** Rankings kept for paging: the latest few queries, for ten minutes, or until the index changes. */
const KEPT_RANKINGS = 16;
const RANKING_TTL_MS = 600_000;

interface Ranking extends SearchResult {
  complete: boolean;
}

/** The ranked hits without those under `minScore` and past `perFile` from one file. */
function capped(hits: SearchHit[], request: Pick<SearchRequest, 'perFile' | 'minScore'>): SearchHit[] {
  if (request.perFile === undefined && request.minScore === undefined) return hits;
  const perFile = new Map<string, number>();
  return hits.filter((h) => {
    if (request.minScore !== undefined && h.score < request.minScore) return false;
    const n = (perFile.get(h.path) ?? 0) + 1;
    perFile.set(h.path, n);
    return request.perFile === undefined || n <= request.perFile;
  });
}

/** A hit's identity across rankings. */
const hitKey = (h: SearchHit) => `${h.path}\0${h.startLine}\0${h.endLine}`;

export interface SearchServiceDeps {
  root: string;
  /** The configuration in use (a watcher's session may take an edited one). */
  loaded: () => LoadedConfig;
  env: NodeJS.ProcessEnv;
  /** The store searches read (its own connection: never waits on a run's writes). */
  reader: () => Promise<VectorStore>;
  pool: () => Promise<HttpClientPool>;
  /** Told of the query model's download (onnx, first use). */
  onModelDownload?: (progress: HubProgress) => void;
}

export class SearchService {
  /** The query embedder of each model met (usually one), by its settings. */
  private readonly embedders = new Map<string, Promise<Embedder>>();
  /** The reranker, kept for the session's life (its client, cool-down and budget persist). */
  private readonly reranking: RerankStage;
  /** Rankings made for paging, by query and filters (oldest first). */
  private readonly rankings = new Map<string, { at: number; ranking: Promise<Ranking> }>();

  constructor(private readonly deps: SearchServiceDeps) {
    this.reranking = new RerankStage({ config: () => deps.loaded().config, env: deps.env, pool: deps.pool });
  }

  async search(request: SearchRequest): Promise<SearchResult> {
    const query = request.query.trim();
    if (!query) throw new UsageError('search: the query is empty — give words to look for');
    const under = request.under === undefined ? '' : filterPath(this.deps.root, request.under, 'under');
    const languages = languageFilter(request.languages ?? []);
    const store = await this.deps.reader();
    const meta = await store.openReadOnly();
    if (!meta) throw new UsageError(`no index at ${store.location} — run \`cw index\` first`);
    // A reranker that is asked for but cannot be made (not configured, no key) is an error
    // before anything else is done; one merely configured that cannot is reported in the result.
    const reranker = await this.reranking.prepare(request.rerank);
    const vector = meta.dimensions === null ? null : await this.embedQuery(meta, query);
    const base = { text: query, vector, pathPrefix: under || undefined };
    const globs = request.include?.length || request.exclude?.length ? new RunFilter(request.include ?? [], request.exclude ?? []) : null;
    // The first stage ranks at least as many hits as the reranker reads.
    const wanted = Math.max(request.limit, reranker.candidates);
    // Named files and path priors scale scores; diversity then decays each file's repeats; the
    // reranker reorders the best of that; the caps and the limit come last.
    const ranked = async (hits: SearchHit[]) => {
      const firstStage = diversifyByFile(applyPathPriors(boostNamedFiles(hits, query), query, this.deps.loaded().config.search.path_priors));
      const { hits: ordered, report } = await reranker.apply(query, firstStage, request.rerank === true);
      return { hits: capped(ordered, request).slice(0, request.limit), searchMode: searchModeOf(meta.dimensions), rerank: report };
    };
    if (languages.size === 0 && !globs) return ranked(await store.search({ ...base, limit: wanted * PRIOR_CANDIDATES }));
    // Filters apply to the ranked candidates; fetch more until enough pass (or none are left):
    // what the user filtered out never reaches the reranker.
    const keep = (h: SearchHit) => (languages.size === 0 || languages.has(h.language)) && (!globs || globs.covers(h.path));
    let kept: SearchHit[] = [];
    for (const factor of FILTER_WIDENING) {
      const limit = wanted * factor;
      const hits = await store.search({ ...base, limit });
      kept = hits.filter(keep);
      if (kept.length >= wanted * PRIOR_CANDIDATES || hits.length < limit) break;
    }
    return ranked(kept);
  }

  /** `limit` hits from `offset` of the query's ranking (see SearchPage). */
  async page(request: SearchRequest & { offset: number }): Promise<SearchPage> {
    const { offset, limit, ...filters } = request;
    const end = Math.min(offset + limit, RANKING_DEPTH);
    const key = JSON.stringify({ ...filters, query: filters.query.trim() });
    const kept = this.rankings.get(key);
    const fresh = kept && Date.now() - kept.at <= RANKING_TTL_MS ? kept : undefined;
    // Chained on what is kept: the same query asked again meanwhile waits for this one, then uses it.
    const ranking = (fresh?.ranking ?? Promise.resolve(null)).then((have) => this.extend(have, filters, offset, end));
    const entry = { at: fresh?.at ?? Date.now(), ranking };
    ranking.catch(() => this.rankings.get(key) === entry && this.rankings.delete(key));
    this.rankings.delete(key);
    this.rankings.set(key, entry);
    if (this.rankings.size > KEPT_RANKINGS) this.rankings.delete(this.rankings.keys().next().value!);
    const { hits, searchMode, complete, rerank } = await ranking;
    return { hits: hits.slice(offset, end), searchMode, rerank, offset, total: hits.length, complete };
  }

  /** A ranking that reaches `end` (or all there is): `have` when it does, else made deeper with `have`'s first `offset` hits kept in place. */
  private async extend(have: Ranking | null, filters: Omit<SearchRequest, 'limit'>, offset: number, end: number): Promise<Ranking> {
    if (have && (have.complete || have.hits.length >= end)) return have;
    // The first page is ranked for its own hits; any later one, to the full depth at once.
    const depth = have === null && offset === 0 ? end : RANKING_DEPTH;
    const made = await this.search({ ...filters, limit: depth });
    const shown = have ? have.hits.slice(0, offset) : [];
    const keys = new Set(shown.map(hitKey));
    const hits = [...shown, ...made.hits.filter((h) => !keys.has(hitKey(h)))].slice(0, RANKING_DEPTH);
    return { hits, searchMode: made.searchMode, rerank: made.rerank, complete: depth >= RANKING_DEPTH || made.hits.length < depth };
  }

  /** The index changed: rankings kept for paging are made again. */
  forgetRankings(): void {
    this.rankings.clear();
  }

  /** Closes the query embedders and the reranker. */
  async close(): Promise<void> {
    await this.reranking.close();
    const embedders = [...this.embedders.values()];
    this.embedders.clear();
    for (const embedder of embedders) await (await embedder.catch(() => null))?.close();
  }

  /** The query's vector, by the model that built the index. */
  private async embedQuery(meta: IndexMeta, query: string): Promise<Float32Array> {
    const embedding = queryEmbedderConfig(this.deps.loaded(), meta);
    const key = JSON.stringify(embedding);
    let embedder = this.embedders.get(key);
    if (!embedder) {
      addSecretsFromEnv(this.deps.env, embedding.api_key_env ? [embedding.api_key_env] : []);
      embedder = this.deps.pool().then((pool) => createEmbedder(embedding, { pool, env: this.deps.env, onModelProgress: this.deps.onModelDownload }));
      // A failed creation (a missing key) is not kept: the next query tries again.
      embedder.catch(() => this.embedders.delete(key));
      this.embedders.set(key, embedder);
    }
    const model = await embedder;
    const [vector] = await model.embed([queryWithin(query, model.limits.maxInputTokens)], 'query');
    return vector!;
  }
}

