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

/** Lower-cased terms of a text, in order, with repeats (term frequency matters). */
export function codeTerms(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(IDENTIFIER)) {
    const word = match[0];
    if (word.length > MAX_TERM_LENGTH) continue; // hashes, base64 blobs: noise, not words
    const whole = word.toLowerCase();
    out.push(whole);
    const parts = splitIdentifier(word);
    if (parts.length > 1) for (const p of parts) out.push(p.toLowerCase());
  }
  return out;
}
