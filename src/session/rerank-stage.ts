/**
 * The rerank stage of a search: the best first-stage hits (after the user's filters, the named
 * files, the path priors and the per-file diversity), read again with the query by a reranker and
 * put in its order. A reranker that fails never fails the search: the first-stage order stands and
 * the result says why (`reranked: false`). Only a reranker the user asked for (`--rerank`) that
 * cannot work at all (none configured, no key, a refused key) is an error.
 */
import type { Config } from '../config/schema.js';
import { AuthError, UsageError } from '../errors.js';
import type { HttpClientPool } from '../http/pool.js';
import { addSecretsFromEnv, redact } from '../redact.js';
import { createReranker } from '../rerank/create.js';
import type { Reranker } from '../rerank/reranker.js';
import type { SearchHit } from '../store/vector-store.js';
import { queryWithin } from './query-cut.js';

/** What a search's result says of its reranking (`--json` `rerank`, MCP search_code). */
export interface RerankReport {
  reranked: boolean;
  provider: string;
  model: string;
  /** First-stage hits sent to the reranker. */
  candidates: number;
  latency_ms: number | null;
  /** Tokens the provider counted, when it says. */
  tokens: number | null;
  /** Why the first-stage order stands (reranked: false); null when reranked. */
  error: string | null;
}

export interface PreparedRerank {
  /** How many first-stage hits the stage reads (0: none). */
  candidates: number;
  apply(query: string, hits: SearchHit[], asked: boolean): Promise<{ hits: SearchHit[]; report: RerankReport | null }>;
}

const NO_RERANK: PreparedRerank = { candidates: 0, apply: async (_q, hits) => ({ hits, report: null }) };

export interface RerankStageDeps {
  config: () => Config;
  env: NodeJS.ProcessEnv;
  pool: () => Promise<HttpClientPool>;
}

export class RerankStage {
  /** One reranker per configuration met, for the session's life: its client, cool-down and budget persist. */
  #current: { key: string; reranker: Promise<Reranker> } | null = null;

  constructor(private readonly deps: RerankStageDeps) {}

  async prepare(asked: boolean | undefined): Promise<PreparedRerank> {
    const config = this.deps.config();
    const settings = config.search.rerank;
    if (asked === false || (!settings.provider && asked !== true)) return NO_RERANK;
    if (!settings.provider) throw new UsageError('--rerank: no reranker configured — set search.rerank.provider (voyage, cohere or jina)');
    const provider = settings.provider;
    const model = settings.model ?? '';
    let reranker: Reranker;
    try {
      reranker = await this.#reranker(config);
    } catch (err) {
      if (asked) throw err;
      // Configured but unusable (a key not set): the first-stage order, and why.
      const report = failed(provider, model, 0, err);
      return { candidates: 0, apply: async (_q, hits) => ({ hits, report }) };
    }
    return { candidates: settings.candidates, apply: (query, hits, strict) => this.#apply(reranker, settings.candidates, query, hits, strict) };
  }

  async close(): Promise<void> {
    const current = this.#current;
    this.#current = null;
    await (await current?.reranker.catch(() => null))?.close();
  }

  async #apply(reranker: Reranker, candidates: number, query: string, hits: SearchHit[], strict: boolean): Promise<{ hits: SearchHit[]; report: RerankReport | null }> {
    const head = hits.slice(0, candidates);
    if (head.length < 2) return { hits, report: { reranked: true, provider: reranker.provider, model: reranker.model, candidates: head.length, latency_ms: 0, tokens: 0, error: null } };
    const documents = head.map((h) => documentOf(h, reranker.maxDocumentTokens));
    try {
      const outcome = await reranker.rerank(queryWithin(query, Math.floor(reranker.maxDocumentTokens / 2)), documents);
      // Best reranked first; equal scores keep their first-stage order (the sort is stable).
      const order = head.map((hit, i) => ({ hit: { ...hit, rerankScore: outcome.scores[i]! }, score: outcome.scores[i]! }));
      order.sort((a, b) => b.score - a.score);
      return {
        hits: [...order.map((o) => o.hit), ...hits.slice(candidates)],
        report: { reranked: true, provider: reranker.provider, model: reranker.model, candidates: head.length, latency_ms: Math.round(outcome.latencyMs), tokens: outcome.tokens, error: null },
      };
    } catch (err) {
      // A refused key the user asked to use is an error (exit 2); anything else, a note.
      if (strict && err instanceof AuthError) throw err;
      return { hits, report: failed(reranker.provider, reranker.model, head.length, err) };
    }
  }

  #reranker(config: Config): Promise<Reranker> {
    const settings = config.search.rerank;
    const key = JSON.stringify(settings);
    if (this.#current?.key === key) return this.#current.reranker;
    const previous = this.#current;
    void previous?.reranker.then((r) => r.close(), () => {});
    addSecretsFromEnv(this.deps.env, settings.api_key_env ? [settings.api_key_env] : []);
    const reranker = this.deps.pool().then((pool) => createReranker(settings, { pool, env: this.deps.env, concurrency: config.embedding.concurrency }));
    const entry = { key, reranker };
    // A failed creation (a key not set yet) is not kept: the next search tries again.
    reranker.catch(() => this.#current === entry && (this.#current = null));
    this.#current = entry;
    return reranker;
  }
}

/** What the reranker reads of a hit: where it is and what it defines, then its code, cut to the model's limit. */
export function documentOf(hit: SearchHit, maxTokens: number): string {
  const head = hit.symbol ? `${hit.path} (${hit.symbol})` : hit.path;
  return queryWithin(`${head}\n${hit.content}`, maxTokens);
}

function failed(provider: string, model: string, candidates: number, err: unknown): RerankReport {
  const message = redact(err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  return { reranked: false, provider, model, candidates, latency_ms: null, tokens: null, error: message };
}
