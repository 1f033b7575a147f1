/**
 * Search over the embedded index: BM25 through FTS5, brute-force cosine over stored vectors
 * (streamed, bounded top-k), and reciprocal-rank fusion of the two for hybrid queries.
 */
import type Database from 'better-sqlite3';
import type { SearchHit, SearchQuery } from '../vector-store.js';
import { ftsMatchExpression, queryTerms } from './fts-text.js';
import { pathCondition, pathParams, pathRange, type PathRange } from './path-filter.js';
import { reciprocalRankFusion, type RankedList } from '../ranking/rank-fusion.js';
import { hitSymbol, parseDefinitions } from '../ranking/hit-symbol.js';
import { snippetOf } from '../ranking/snippet.js';
import { TopK } from './top-k.js';
import { decodeVector, dot, vectorNorm } from './vector-codec.js';

type Db = Database.Database;

/** Each ranking contributes this many candidates per requested hit to the fusion. */
const CANDIDATES_PER_HIT = 4;
/** bm25() column weights: chunk text, symbol name, path. */
const BM25_WEIGHTS = '1.0, 2.0, 0.5';

interface HitRow {
  path: string;
  start_line: number;
  end_line: number;
  symbol: string | null;
  definitions: string | null;
  language: string;
  content: string;
}

export class Searcher {
  private readonly statements = new Map<string, Database.Statement>();

  /**
   * Whether chunks have their `definitions` column (schema v7). A search only reads: an index
   * written by an older cw is searched as it is until the next `cw index` migrates it.
   */
  private readonly definitionsColumn: string;

  constructor(private readonly db: Db) {
    const has = db.prepare("SELECT 1 FROM pragma_table_info('chunks') WHERE name = 'definitions'").get() !== undefined;
    this.definitionsColumn = has ? 'definitions' : 'NULL AS definitions';
  }

  search(query: SearchQuery): SearchHit[] {
    const limit = Math.max(0, Math.floor(query.limit));
    if (limit === 0) return [];
    const range = pathRange(query.pathPrefix);
    const terms = queryTerms(query.text);
    const match = ftsMatchExpression(terms);

    let ranked: { rowid: number; score: number }[];
    if (query.vector === null) {
      ranked = match ? toScored(this.lexical(match, range, limit)).slice(0, limit) : [];
    } else {
      const candidates = limit * CANDIDATES_PER_HIT;
      const dense = this.dense(query.vector, range, candidates);
      const lexical = match ? this.lexical(match, range, candidates) : { keys: [], scores: [] };
      ranked = reciprocalRankFusion([dense, lexical])
        .slice(0, limit)
        .map(({ key, score }) => ({ rowid: key, score }));
    }
    const termSet = new Set(terms.map((t) => t.term));
    return ranked.flatMap(({ rowid, score }) => this.hit(rowid, score, termSet) ?? []);
  }

  /** FTS5 BM25, best first; scores are −bm25 (higher is better). */
  private lexical(match: string, range: PathRange | null, limit: number): RankedList<number> {
    // The join to chunks is there only for a path filter: it costs a lookup per matching row
    // before the sort (bench/store-micro-bench.mjs, 142 k chunks, a query with a common term:
    // 114–120 ms joined, 85–94 ms not). Both tables change in one transaction, so every FTS row
    // has its chunk.
    const stmt = this.statement(
      range
        ? `SELECT f.rowid AS rowid, bm25(chunks_fts, ${BM25_WEIGHTS}) AS rank
           FROM chunks_fts f JOIN chunks c ON c.rowid = f.rowid
           WHERE chunks_fts MATCH @match AND ${pathCondition('c.path')}
           ORDER BY rank LIMIT @limit`
        : `SELECT rowid, bm25(chunks_fts, ${BM25_WEIGHTS}) AS rank
           FROM chunks_fts WHERE chunks_fts MATCH @match
           ORDER BY rank LIMIT @limit`,
    );
    const keys: number[] = [];
    const scores: number[] = [];
    for (const row of stmt.iterate({ match, limit, ...(range ? pathParams(range) : {}) }) as Iterable<{
      rowid: number;
      rank: number;
    }>) {
      keys.push(row.rowid);
      scores.push(-row.rank);
    }
    return { keys, scores };
  }

  /** Cosine similarity over every stored vector, streamed, keeping only the top `limit`. */
  private dense(vector: Float32Array, range: PathRange | null, limit: number): RankedList<number> {
    const queryNorm = vectorNorm(vector);
    if (queryNorm === 0) return { keys: [], scores: [] };
    const where = range ? `AND ${pathCondition('path')}` : '';
    const stmt = this.statement(
      `SELECT rowid, norm, vector FROM chunks WHERE vector IS NOT NULL AND norm > 0 ${where}`,
    ).raw(true);
    const top = new TopK<number>(limit);
    for (const [rowid, norm, blob] of stmt.iterate(range ? pathParams(range) : {}) as Iterable<
      [number, number, Buffer]
    >) {
      top.push(dot(vector, decodeVector(blob)) / (queryNorm * norm), rowid);
    }
    const best = top.sorted();
    return { keys: best.map((b) => b.item), scores: best.map((b) => b.score) };
  }

  /** The chunk behind a ranked row; null for none (never expected: see lexical()). */
  private hit(rowid: number, score: number, terms: ReadonlySet<string>): SearchHit | null {
    const row = this.statement(
      `SELECT path, start_line, end_line, symbol, ${this.definitionsColumn}, language, content FROM chunks WHERE rowid = ?`,
    ).get(rowid) as HitRow | undefined;
    if (!row) return null;
    const snippet = snippetOf(row.content, terms);
    const bestLine = snippet.best < 0 ? null : row.start_line + snippet.best;
    return {
      path: row.path,
      startLine: row.start_line,
      endLine: row.end_line,
      score,
      snippet: snippet.text,
      snippetStartLine: row.start_line + snippet.offset,
      content: row.content,
      symbol: hitSymbol(row.symbol, parseDefinitions(row.definitions), bestLine),
      language: row.language,
    };
  }

  private statement(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}

function toScored(list: RankedList<number>): { rowid: number; score: number }[] {
  return list.keys.map((rowid, i) => ({ rowid, score: list.scores[i] }));
}
