import { codeTerms, weightedSearchTerms } from './terms.js';

/**
 * Lexical search in Qdrant: a sparse vector per chunk, weighted on our side with BM25's
 * saturated, length-normalised term frequency; Qdrant multiplies in the IDF itself
 * (`modifier: "idf"` on the sparse vector), so together they score like BM25. Terms come
 * from the same `codeTerms` as the embedded store, so both rank the same words alike.
 */

export interface SparseVector {
  indices: number[];
  values: number[];
}

const K1 = 1.2;
const B = 0.75;
/**
 * BM25 normalises by the collection's average length, which a stateless writer cannot know
 * without a scan; a fixed typical chunk length (in terms) keeps weights stable across runs.
 */
const AVERAGE_TERMS = 200;

/** A stable 32-bit term id (FNV-1a): the same term maps to the same index on every machine. */
export function termId(term: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) {
    h ^= term.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Document side: BM25 term-frequency weights. */
export function documentSparseVector(text: string): SparseVector {
  const terms = codeTerms(text);
  const tf = countById(terms);
  const norm = K1 * (1 - B + (B * terms.length) / AVERAGE_TERMS);
  return toVector(tf, (f) => (f * (K1 + 1)) / (f + norm));
}

/** Query side: each distinct term with its weight (terms.ts); the IDF modifier weighs them too. */
export function querySparseVector(text: string): SparseVector {
  // The query's distinct search terms (a long query's noise left out, its code names weighing more).
  const weights = new Map<number, number>();
  for (const { term, weight } of weightedSearchTerms(text)) {
    const id = termId(term);
    weights.set(id, (weights.get(id) ?? 0) + weight);
  }
  return toVector(weights, (w) => w);
}

function countById(terms: string[]): Map<number, number> {
  // Two terms hashing to one id are counted together: indices must be unique in a vector.
  const tf = new Map<number, number>();
  for (const t of terms) {
    const id = termId(t);
    tf.set(id, (tf.get(id) ?? 0) + 1);
  }
  return tf;
}

function toVector(tf: Map<number, number>, weight: (f: number) => number): SparseVector {
  const indices = [...tf.keys()].sort((a, b) => a - b);
  return { indices, values: indices.map((i) => Number(weight(tf.get(i)!).toFixed(6))) };
}
