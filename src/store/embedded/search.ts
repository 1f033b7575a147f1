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
import { decodeVector, dot, encodeVector, vectorNorm } from './vector-codec.js';
import { BITS_TABLE, bitsReady } from './vector-index.js';
import { definitionsColumn, type ChunkRow } from './chunk-rows.js';

type Db = Database.Database;

/**
 * Bit-table candidates, rescored exactly: twice the dense hits wanted, and at least 100.
 * Measured (bench/dense-search-bench.mjs, 100 k x 1,024 dims, 40 wanted): 80 candidates gave
 * recall@10 0.960 against the exact scan, 100 gave 0.995 at p50 18 ms, 160 gave 1.000 at 26 ms
 * (the scan: 617 ms); sqlite-vec's KNN grows faster than linearly with k, so more costs time.
 */
const BITS_CANDIDATES = 2;
const BITS_MIN_CANDIDATES = 100;
/** sqlite-vec's largest k. */
const MAX_BITS_K = 4096;

/** Each ranking contributes this many candidates per requested hit to the fusion. */
const CANDIDATES_PER_HIT = 4;
/** bm25() column weights: chunk text, symbol name, path. */
const BM25_WEIGHTS = '1.0, 2.0, 0.5';


export class Searcher {
  private readonly statements = new Map<string, Database.Statement>();

  /**
   * Whether chunks have their `definitions` column (schema v7). A search only reads: an index
   * written by an older cw is searched as it is until the next `cw index` migrates it.
   */
  private readonly definitionsColumn: string;

  constructor(
    private readonly db: Db,
    /** Whether sqlite-vec is loaded into this connection (the bit table can be read). */
    private readonly vectorExtension = false,
  ) {
    this.definitionsColumn = definitionsColumn(db);
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

  /**
   * The `limit` stored vectors nearest the query by cosine: from the bit table's candidates,
   * rescored exactly, where the index keeps one and no path filter narrows the search; else a
   * scan of every stored vector (below the filter's directory, for a filter).
   */
  private dense(vector: Float32Array, range: PathRange | null, limit: number): RankedList<number> {
    const queryNorm = vectorNorm(vector);
    if (queryNorm === 0) return { keys: [], scores: [] };
    if (!range && this.vectorExtension && bitsReady(this.db)) return this.denseFromBits(vector, queryNorm, limit);
    return this.denseScan(vector, queryNorm, range, limit);
  }

  /**
   * Candidates by Hamming distance between sign bits (in C, over a table an eighth of a byte per
   * dimension), then their float vectors scored exactly: the answer is the exact cosine order
   * of the candidates, which hold the true nearest ones when there are enough of them
   * (BITS_CANDIDATES; bench/README.md, "Dense search").
   */
  private denseFromBits(vector: Float32Array, queryNorm: number, limit: number): RankedList<number> {
    const k = Math.min(MAX_BITS_K, Math.max(BITS_MIN_CANDIDATES, limit * BITS_CANDIDATES));
    const candidates = this.statement(`SELECT rowid FROM ${BITS_TABLE} WHERE embedding MATCH vec_quantize_binary(?) AND k = ?`)
      .pluck()
      .all(encodeVector(vector), k) as number[];
    const top = new TopK<number>(limit);
    const rows = this.statement('SELECT norm, vector FROM chunks WHERE rowid = ? AND vector IS NOT NULL AND norm > 0').raw(true);
    for (const rowid of candidates) {
      const row = rows.get(rowid) as [number, Buffer] | undefined;
      if (row) top.push(dot(vector, decodeVector(row[1])) / (queryNorm * row[0]), Number(rowid));
    }
    const best = top.sorted();
    return { keys: best.map((b) => b.item), scores: best.map((b) => b.score) };
  }

  /** Cosine similarity over every stored vector, streamed, keeping only the top `limit`. */
  private denseScan(vector: Float32Array, queryNorm: number, range: PathRange | null, limit: number): RankedList<number> {
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
    ).get(rowid) as ChunkRow | undefined;
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
      bestLine,
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
