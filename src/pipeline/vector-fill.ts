/**
 * The second half of a run that deferred its vectors (run-options.ts `deferVectors`): the chunks
 * stored without a vector, one text per content hash, embedded batch by batch and stored as each
 * batch is done (one transaction each, with their sqlite-vec bits). Search is hybrid for what is
 * filled and lexical for the rest meanwhile. Stopped (Ctrl-C, kill -9), what was filled stays and
 * the next run fills the rest: the vectors are the same as a run that embedded as it went.
 */
import type { Embedder } from '../embedding/embedder.js';
import type { VectorFill } from '../store/vector-store.js';

/** Texts per fill batch: one store transaction each, and one embed call (the embedder batches within it). */
export const FILL_BATCH = 64;

export interface FillProgress {
  filled: number;
  /** Chunks without a vector when the fill began. */
  total: number;
}

export interface FillResult {
  /** Chunks that got a vector. */
  filled: number;
  /** Distinct texts embedded, and their estimated tokens. */
  embedded: number;
  tokens: number;
  /** Chunks still without one (stopped early). */
  pending: number;
}

export async function fillVectors(
  store: VectorFill,
  embedder: Embedder,
  signal: AbortSignal,
  onProgress?: (progress: FillProgress) => void,
): Promise<FillResult> {
  const total = await store.countWithoutVectors();
  const result: FillResult = { filled: 0, embedded: 0, tokens: 0, pending: total };
  if (total > 0) onProgress?.({ filled: 0, total }); // every chunk is written: the fill begins
  let cursor = '';
  while (!signal.aborted) {
    const batch = await store.chunksWithoutVectors(FILL_BATCH, cursor);
    const rows = batch.rows;
    if (rows.length === 0) break;
    cursor = batch.cursor;
    const vectors = await embedder.embed(rows.map((r) => r.content), 'document', signal);
    if (signal.aborted) break; // a batch embedded after the stop is not written: the next run redoes it
    result.filled += await store.fillVectors(new Map(rows.map((r, i) => [r.contentHash, vectors[i]!])));
    result.embedded += rows.length;
    result.tokens += rows.reduce((n, r) => n + r.tokens, 0);
    onProgress?.({ filled: result.filled, total });
  }
  result.pending = await store.countWithoutVectors();
  return result;
}
