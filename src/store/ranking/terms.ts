/**
 * Code-aware lexical terms, shared by the embedded store (FTS5 text) and the Qdrant store
 * (sparse vectors), so both rank the same words the same way.
 *
 * An identifier is kept whole and also split at camelCase, digits and snake_case:
 * `parseHTTPResponse_v2` → parsehttpresponse_v2, parse, http, response, v2.
 */

const IDENTIFIER = /[\p{L}\p{N}_$]+/gu;
const MAX_TERM_LENGTH = 64;

export function splitIdentifier(identifier: string): string[] {
  return identifier
    .split(/[_$]+/)
    .flatMap((part) => part.split(/(?<=[\p{Ll}\p{N}])(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u))
    .filter((p) => p.length > 0);
}

/**
 * Identifiers repeat heavily across a repository, and splitting is the costly part of indexing
 * text (measured: about a third of an embedded write), so terms are cached per identifier. The
 * cache is bounded: cleared when full, which keeps memory flat on any repository.
 */
const TERM_CACHE_LIMIT = 50_000;
const termCache = new Map<string, readonly string[]>();

function termsOfWord(word: string): readonly string[] {
  let terms = termCache.get(word);
  if (!terms) {
    const parts = splitIdentifier(word);
    const whole = word.toLowerCase();
    terms = parts.length > 1 ? [whole, ...parts.map((p) => p.toLowerCase())] : [whole];
    if (termCache.size >= TERM_CACHE_LIMIT) termCache.clear();
    termCache.set(word, terms);
  }
  return terms;
}

/** Lower-cased terms of a text, in order, with repeats (term frequency matters). */
export function codeTerms(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(IDENTIFIER)) {
    const word = match[0];
    if (word.length > MAX_TERM_LENGTH) continue; // hashes, base64 blobs: noise, not words
    for (const t of termsOfWord(word)) out.push(t);
  }
  return out;
}
