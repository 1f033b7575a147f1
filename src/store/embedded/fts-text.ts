/**
 * The bridge between `codeTerms` and FTS5: the same function makes the indexed text and the
 * query, so `getUserName` is found by "user name" and a query can never be FTS5 syntax.
 */
import { codeTermsText, weightedSearchTerms, type WeightedTerm } from '../ranking/terms.js';

/** The text stored in the FTS table: terms joined by spaces (the tokenizer keeps `_` and `$`). */
export function ftsText(text: string | null): string {
  return text ? codeTermsText(text) : '';
}

/** Distinct query terms, in first-seen order, with their weights (a long query's noise left out: terms.ts). */
export function queryTerms(text: string): WeightedTerm[] {
  return weightedSearchTerms(text);
}

/**
 * An FTS5 MATCH expression: every term quoted and OR-ed, so quotes, parentheses, `*`, `AND` or
 * `NEAR` typed by a user are plain words. Terms hold only letters, digits, `_` and `$`, so a
 * quoted term cannot break out of its string. A term of weight w is written w times: bm25()
 * sums over the expression's phrases, so it counts w times. null when the query has no terms.
 */
export function ftsMatchExpression(terms: WeightedTerm[]): string | null {
  if (terms.length === 0) return null;
  return terms.flatMap((t) => Array<string>(t.weight).fill(`"${t.term}"`)).join(' OR ');
}
