import { describe, expect, it } from 'vitest';
import { codeTerms, codeTermsText, splitIdentifier } from '../../src/store/ranking/terms.js';

/**
 * The definition the scanner must keep: words are maximal runs of letters and digits of any
 * script, `_` and `$`, as a Unicode regular expression finds them; longer than 64 UTF-16 units
 * are dropped; each word gives itself lower-cased and, when it splits, its parts.
 */
function reference(text: string): string[] {
  const out: string[] = [];
  for (const [word] of text.matchAll(/[\p{L}\p{N}_$]+/gu)) {
    if (word.length > 64) continue;
    const parts = splitIdentifier(word);
    out.push(word.toLowerCase(), ...(parts.length > 1 ? parts.map((p) => p.toLowerCase()) : []));
  }
  return out;
}

// Deterministic pseudo-random text mixing ASCII code, other scripts, astral letters and digits
// (surrogate pairs), astral symbols that are not letters, and long runs.
function randomTexts(count: number): string[] {
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pieces = ['get', 'User', 'HTTP', 'Response', '_', '$', 'v2', ' ', '.', '(', ')', '\n', 'é', 'ñandú', 'Straße', 'データ', 'Ωmega', '𝒳', '𝟘', '😀', '\u{10400}', '\u{1F600}x', '٣', 'a'.repeat(70), '-', '–', '\t'];
  return Array.from({ length: count }, () => {
    let s = '';
    const n = 1 + Math.floor(next() * 40);
    for (let i = 0; i < n; i++) s += pieces[Math.floor(next() * pieces.length)];
    return s;
  });
}

describe('codeTerms', () => {
  it('splits identifiers and keeps the whole word', () => {
    expect(codeTerms('parseHTTPResponse_v2(x)')).toEqual(['parsehttpresponse_v2', 'parse', 'http', 'response', 'v2', 'x']);
  });

  it('finds the same words as the Unicode regular expression, surrogate pairs and long runs included', () => {
    for (const text of randomTexts(2000)) expect(codeTerms(text), JSON.stringify(text)).toEqual(reference(text));
  });

  it('drops words longer than 64 units, however they end', () => {
    expect(codeTerms(`ok ${'b'.repeat(65)} ${'c'.repeat(64)}`)).toEqual(['ok', 'c'.repeat(64)]);
    expect(codeTerms('𝒳'.repeat(33))).toEqual([]); // 66 units
    expect(codeTerms('𝒳'.repeat(32))).toEqual(['𝒳'.repeat(32)]);
  });

  it('codeTermsText is codeTerms joined by spaces', () => {
    for (const text of randomTexts(500)) expect(codeTermsText(text)).toBe(codeTerms(text).join(' '));
    expect(codeTermsText('')).toBe('');
    expect(codeTermsText('(); -')).toBe('');
  });
});

describe('weightedSearchTerms', () => {
  const searchTerms = async (text: string) => (await import('../../src/store/ranking/terms.js')).weightedSearchTerms(text).map((t) => t.term);

  it('keeps every term of a short query, and leaves prose and noise out of a long one', async () => {
    expect(await searchTerms('os path id v2')).toEqual(['os', 'path', 'id', 'v2']);
    const long = await searchTerms('When I call the zeros method it is not working for me: M1 = sy.Matrix.zeros(0, 0) returns 6 instead of the matrix');
    expect(long).toEqual(expect.arrayContaining(['call', 'zeros', 'method', 'working', 'matrix', 'returns']));
    for (const noise of ['when', 'the', 'it', 'is', 'me', 'm1', 'm', '0', '6', 'sy', 'for', 'of']) expect(long, noise).not.toContain(noise);
  });

  it('weighs the code names of a long query above its prose, and nothing in a short one', async () => {
    const { weightedSearchTerms, CODE_NAME_WEIGHT } = await import('../../src/store/ranking/terms.js');
    const issue =
      'Calling `session.mount` twice loses the adapter. The request is sent by Session.send and parse_url() in requests.utils fails; ' +
      'see https://docs.example.org/en/latest/advanced.html for the HTTPAdapter docs. Setting maxRetries does not help either.';
    const weight = Object.fromEntries(weightedSearchTerms(issue).map((t) => [t.term, t.weight]));
    // Names the code has: in backticks, dotted, called, snake_case, camelCase, two-hump Pascal.
    for (const name of ['session', 'mount', 'send', 'parse_url', 'requests', 'utils', 'httpadapter', 'maxretries']) expect(weight[name], name).toBe(CODE_NAME_WEIGHT);
    // Prose, a name's split parts, and a link's words weigh 1.
    for (const word of ['calling', 'twice', 'loses', 'adapter', 'request', 'sent', 'fails', 'parse', 'url', 'docs', 'example', 'latest', 'advanced', 'html', 'max', 'retries']) expect(weight[word], word).toBe(1);
    for (const t of weightedSearchTerms('parse_url in requests.utils')) expect(t.weight, t.term).toBe(1);
  });
});
