import { estimateTokensInRange } from './tokens.js';

/**
 * A file's lines, indexed once: where each starts and how many tokens it holds. Any line
 * range's token count is then two array reads (the estimate is additive over lines), so the
 * chunker never rescans text to size a candidate chunk.
 */
export class LineIndex {
  readonly text: string;
  /** Number of lines; a final newline does not start another line. */
  readonly count: number;
  readonly #starts: Int32Array;
  /** #prefix[i] = tokens of lines 0..i-1, newlines excluded. */
  readonly #prefix: Float64Array;

  constructor(text: string) {
    this.text = text;
    let count = text.length === 0 ? 0 : 1;
    for (let i = text.indexOf('\n'); i !== -1 && i < text.length - 1; i = text.indexOf('\n', i + 1)) count++;
    this.count = count;
    this.#starts = new Int32Array(count + 1);
    this.#prefix = new Float64Array(count + 1);
    let start = 0;
    for (let line = 0; line < count; line++) {
      this.#starts[line] = start;
      const nl = text.indexOf('\n', start);
      const end = nl === -1 ? text.length : nl;
      this.#prefix[line + 1] = this.#prefix[line]! + estimateTokensInRange(text, start, end);
      start = end + 1;
    }
    this.#starts[count] = start; // just past the last line's newline (or one past the end without one)
  }

  start(line: number): number {
    return this.#starts[line]!;
  }

  /** Offset just past the line's last character, before its newline. */
  end(line: number): number {
    return Math.min(this.#starts[line + 1]! - 1, this.text.length);
  }

  /** Tokens of lines first..last (0-based, inclusive) joined by newlines. */
  tokens(first: number, last: number): number {
    return this.#prefix[last + 1]! - this.#prefix[first]! + (last - first);
  }

  content(first: number, last: number): string {
    return this.text.slice(this.start(first), this.end(last));
  }
}

/** A span of a file that becomes one chunk, or a part of one once neighbours are merged. */
export interface Unit {
  /** 0-based lines, inclusive. */
  first: number;
  last: number;
  symbol: string | null;
  /** The definitions merged into the unit (0-based lines), when there are any. */
  definitions?: Array<{ first: number; last: number; symbol: string }>;
  /** Set when the unit is part of one over-long line: [from, to) character offsets. Never merged. */
  slice?: { from: number; to: number };
}

/**
 * Pieces of one line, each within `maxTokens`. Cut at a space or symbol near the size
 * limit when there is one, never inside a surrogate pair.
 */
export function splitLongLine(lines: LineIndex, line: number, maxTokens: number, symbol: string | null, out: Unit[]): void {
  const text = lines.text;
  const end = lines.end(line);
  let from = lines.start(line);
  while (from < end) {
    // Each code unit costs at most 2 tokens, so this many always fit; try a longer guess first.
    let to = Math.min(end, from + maxTokens * 3);
    let tokens = estimateTokensInRange(text, from, to);
    while (tokens > maxTokens) {
      to = from + Math.max(1, Math.floor(((to - from) * maxTokens) / tokens) - 1);
      tokens = estimateTokensInRange(text, from, to);
    }
    if (to < end) to = backToBreak(text, from, to);
    out.push({ first: line, last: line, symbol, slice: { from, to } });
    from = to;
  }
}

/** A cut point at or before `to`: after a space or symbol in the last quarter, else `to`; never between surrogates. */
function backToBreak(text: string, from: number, to: number): number {
  const floor = from + Math.floor(((to - from) * 3) / 4);
  for (let i = to; i > floor; i--) {
    const c = text.charCodeAt(i - 1);
    if (!(c >= 48 && c <= 57) && !(c >= 65 && c <= 90) && !(c >= 97 && c <= 122) && c !== 95 && c < 0x80) return i;
  }
  const c = text.charCodeAt(to - 1);
  return c >= 0xd800 && c <= 0xdbff && to - 1 > from ? to - 1 : to;
}

/**
 * Line windows over first..last: as many whole lines as fit `limit`, the next window
 * starting `overlap` lines before the previous one ended. A line longer than `maxTokens`
 * is split within itself.
 */
export function lineWindows(
  lines: LineIndex,
  first: number,
  last: number,
  opts: { limit: number; maxTokens: number; overlap: number; symbol: string | null },
  out: Unit[],
): void {
  const lineFits = (l: number) => lines.tokens(l, l) <= opts.maxTokens;
  let s = first;
  while (s <= last) {
    if (!lineFits(s)) {
      splitLongLine(lines, s, opts.maxTokens, opts.symbol, out);
      s++;
      continue;
    }
    let e = s;
    while (e < last && lineFits(e + 1) && lines.tokens(s, e + 1) <= opts.limit) e++;
    out.push({ first: s, last: e, symbol: opts.symbol });
    if (e >= last) break;
    // Overlap only as far as still leaves room for the next line: every window must add one.
    let next = Math.max(s + 1, e + 1 - opts.overlap);
    while (next <= e && (!lineFits(e + 1) || lines.tokens(next, e + 1) > opts.limit)) next++;
    s = next;
  }
}
