/**
 * Code-aware lexical terms, shared by the embedded store (FTS5 text) and the Qdrant store
 * (sparse vectors), so both rank the same words the same way.
 *
 * An identifier is kept whole and also split at camelCase, digits and snake_case:
 * `parseHTTPResponse_v2` → parsehttpresponse_v2, parse, http, response, v2.
 */

/** A word character: a letter or digit of any script, `_` or `$`. */
const WORD_CHAR = /^[\p{L}\p{N}_$]$/u;
const MAX_TERM_LENGTH = 64;

/** ASCII_WORD[c] is 1 when the ASCII character c is a word character: most code is ASCII. */
const ASCII_WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_WORD[c] = WORD_CHAR.test(String.fromCharCode(c)) ? 1 : 0;

/** How many UTF-16 units the word character at `i` takes (1, or 2 for a surrogate pair); 0 when it is not one. */
function wordCharAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 128) return ASCII_WORD[c]!;
  const cp = text.codePointAt(i)!;
  return WORD_CHAR.test(String.fromCodePoint(cp)) ? (cp > 0xffff ? 2 : 1) : 0;
}

/**
 * Calls `each` with every maximal run of word characters of at most MAX_TERM_LENGTH units
 * (longer ones are hashes and base64 blobs: noise, not words). A scan of character codes, not
 * `matchAll` over a Unicode regular expression, which was most of the cost of indexing a chunk's
 * text (bench/store-micro-bench.mjs, 800-character chunks of code: 40–45 µs with matchAll,
 * 16–25 µs scanned).
 */
function forEachWord(text: string, each: (word: string) => void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const first = wordCharAt(text, i);
    if (first === 0) {
      i++;
      continue;
    }
    let j = i + first;
    for (let step = 0; j < n && (step = wordCharAt(text, j)) > 0; ) j += step;
    if (j - i <= MAX_TERM_LENGTH) each(text.slice(i, j));
    i = j;
  }
}

export function splitIdentifier(identifier: string): string[] {
  return identifier
    .split(/[_$]+/)
    .flatMap((part) => part.split(/(?<=[\p{Ll}\p{N}])(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u))
    .filter((p) => p.length > 0);
}

/**
 * Identifiers repeat heavily across a repository, and splitting is the costly part of indexing
 * text (measured: about a third of an embedded write), so terms are cached per identifier, as
 * a list and as the space-joined text FTS5 is given. The cache is bounded: cleared when full,
 * which keeps memory flat on any repository.
 */
const TERM_CACHE_LIMIT = 50_000;
const termCache = new Map<string, { list: readonly string[]; joined: string }>();

function termsOfWord(word: string): { list: readonly string[]; joined: string } {
  let terms = termCache.get(word);
  if (!terms) {
    const parts = splitIdentifier(word);
    const whole = word.toLowerCase();
    const list = parts.length > 1 ? [whole, ...parts.map((p) => p.toLowerCase())] : [whole];
    terms = { list, joined: list.join(' ') };
    if (termCache.size >= TERM_CACHE_LIMIT) termCache.clear();
    termCache.set(word, terms);
  }
  return terms;
}

/** Lower-cased terms of a text, in order, with repeats (term frequency matters). */
export function codeTerms(text: string): string[] {
  const out: string[] = [];
  forEachWord(text, (word) => {
    for (const t of termsOfWord(word).list) out.push(t);
  });
  return out;
}

/** `codeTerms(text).join(' ')`, built from the cached joined terms of each word. */
export function codeTermsText(text: string): string {
  let out = '';
  forEachWord(text, (word) => {
    const joined = termsOfWord(word).joined;
    out = out === '' ? joined : `${out} ${joined}`;
  });
  return out;
}

/**
 * Words past which a query is a text about a problem (a pasted issue, a traceback) rather than
 * a request for something: its prose and noise then say little about where the code is.
 */
export const LONG_QUERY_WORDS = 12;

/** Whether a query is a text about a problem (more than LONG_QUERY_WORDS words) rather than a request. */
export function isLongQuery(text: string): boolean {
  return text.trim().split(/\s+/).length > LONG_QUERY_WORDS;
}

/** English words that carry no subject in a pasted issue. */
const STOP_WORDS: ReadonlySet<string> = new Set(
  ('a about above after again against all am an and any are as at be because been before being below between both but by can could did do does ' +
    'doing down during each few for from further had has have having he her here hers herself him himself his how i if in into is it its itself ' +
    'just me more most my myself no nor not now of off on once only or other our ours ourselves out over own same she should so some such than ' +
    'that the their theirs them themselves then there these they this those through to too under until up very was we were what when where which ' +
    'while who whom why will with would you your yours yourself yourselves also get got like use used using want would however instead still ' +
    'seems seem way since thanks please hi hello').split(' '),
);

/** How much a code name in a long query weighs against a word of its prose. */
export const CODE_NAME_WEIGHT = 2;

export interface WeightedTerm {
  term: string;
  /** How many times the term counts in the query's score (1, or CODE_NAME_WEIGHT). */
  weight: number;
}

/** Links: their host and path words are addresses, not names in the code. */
const URL = /\b(?:https?|ftp):\/\/\S+|\bwww\.\S+/gi;
/** A name in backticks, a called name, or a dotted chain of names (`a.b.c`, `Session.send`). */
const MARKED_NAME = /`\s*([\p{L}_$][\p{L}\p{N}_$.]*)[^`\n]*`|([\p{L}_$][\p{L}\p{N}_$]*)\s*\(|[\p{L}_$][\p{L}\p{N}_$]*(?:\.[\p{L}_$][\p{L}\p{N}_$]*)+/gu;
/** snake_case, __dunder__, camelCase, PascalCase with two humps, HTTPAdapter: names only code has. */
const NAME_SHAPE = /[\p{L}\p{N}]_[\p{L}\p{N}]|^__\p{L}|\p{Ll}\p{Lu}|\p{Lu}\p{Lu}\p{Ll}/u;

/**
 * The code names in a text, lower-cased: words shaped like identifiers (snake_case, camelCase,
 * dunders), names in backticks, names called (`f(`) and every part of a dotted chain
 * (`xarray.core.groupby`, `Session.send`). A pasted issue is mostly prose; these are the words
 * that can only point into the code.
 */
export function codeNames(text: string): Set<string> {
  const names = new Set<string>();
  const plain = text.replace(URL, ' ');
  forEachWord(plain, (word) => {
    if (NAME_SHAPE.test(word)) names.add(word.toLowerCase());
  });
  for (const m of plain.matchAll(MARKED_NAME)) {
    for (const part of (m[1] ?? m[2] ?? m[0]).split('.')) if (part) names.add(part.toLowerCase());
  }
  return names;
}

/**
 * The terms a query searches with, distinct, in first-seen order, with their weights. A long
 * query (a pasted issue) leaves out English stop words, terms of one or two characters and
 * bare numbers, which match every file's prose and version strings rather than the code it is
 * about, and weighs its code names (codeNames) CODE_NAME_WEIGHT times a word of prose. A short
 * query keeps every term at weight 1: each word in it was chosen (`os`, `id`, `v2` may be the
 * point of it).
 */
export function weightedSearchTerms(text: string): WeightedTerm[] {
  const terms = [...new Set(codeTerms(text))];
  if (!isLongQuery(text)) return terms.map((term) => ({ term, weight: 1 }));
  const names = codeNames(text);
  return terms
    .filter((t) => t.length > 2 && !/^\d+$/.test(t) && !STOP_WORDS.has(t))
    .map((term) => ({ term, weight: names.has(term) ? CODE_NAME_WEIGHT : 1 }));
}
