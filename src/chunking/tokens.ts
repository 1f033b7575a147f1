/**
 * The one token estimate, used both to size chunks and to size embedding batches.
 *
 * It must not underestimate: a chunk the estimate says fits must fit every provider's
 * tokenizer. So it counts the way BPE tokenizers behave at their worst on code, in one pass
 * with no allocation:
 * - a run of letters/digits/_ costs one token per 3 characters, plus one per two
 *   case or letter↔digit changes (random identifiers and base64 split much finer than words);
 * - every other ASCII symbol costs one token (BPE often merges `=>`, `();`: an overestimate);
 * - a run of spaces/tabs costs nothing when it is one character (BPE glues it to the next
 *   word), else one token per 16;
 * - each newline costs one token;
 * - a non-ASCII code unit costs one token below U+0800, two above (CJK, emoji halves).
 *
 * Runs never cross a newline, so the estimate is additive over lines:
 * `estimateTokens(a + '\n' + b) === estimateTokens(a) + 1 + estimateTokens(b)`. The chunker
 * relies on that to size any line range from per-line counts without rescanning text.
 */
export function estimateTokens(text: string): number {
  return estimateTokensInRange(text, 0, text.length);
}

const enum Kind {
  Other,
  Lower,
  Upper,
  Digit,
  Space,
}

/** The estimate for `text.slice(from, to)`, without slicing. */
export function estimateTokensInRange(text: string, from: number, to: number): number {
  let tokens = 0;
  let run = 0; // length of the current word or space run
  let runKind = Kind.Other;
  let changes = 0; // case or letter↔digit changes inside the current word run
  let prev = Kind.Other;

  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    const kind =
      c >= 97 && c <= 122 ? Kind.Lower
      : c >= 65 && c <= 90 ? Kind.Upper
      : (c >= 48 && c <= 57) ? Kind.Digit
      : c === 95 ? Kind.Lower // '_' joins a word like a letter
      : c === 32 || c === 9 || c === 13 ? Kind.Space
      : Kind.Other;

    const inWord = kind === Kind.Lower || kind === Kind.Upper || kind === Kind.Digit;
    const runIsWord = runKind === Kind.Lower; // word runs are tagged Lower, see below
    if (run > 0 && (inWord !== runIsWord || kind === Kind.Other)) {
      tokens += runCost(runKind, run, changes);
      run = 0;
      changes = 0;
    }
    if (inWord) {
      if (run > 0 && kind !== prev && !(prev === Kind.Upper && kind === Kind.Lower)) changes++;
      run++;
      runKind = Kind.Lower;
    } else if (kind === Kind.Space) {
      run++;
      runKind = Kind.Space;
    } else {
      tokens += c < 0x80 ? 1 : c < 0x800 ? 1 : 2; // newline, symbol, or non-ASCII unit
    }
    prev = kind;
  }
  if (run > 0) tokens += runCost(runKind, run, changes);
  return tokens;
}

function runCost(kind: Kind, length: number, changes: number): number {
  if (kind === Kind.Space) return length === 1 ? 0 : Math.ceil(length / 16);
  return Math.ceil(length / 3) + (changes >> 1);
}
