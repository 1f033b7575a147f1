/**
 * A short excerpt of a chunk for a search hit: a few lines around the line that matches most
 * query terms, or the first lines when none matches (dense-only hits). The one rule for both
 * stores.
 */
import { codeTerms } from './terms.js';

const LINES_BEFORE = 1;
const LINES_AFTER = 3;
const MAX_LINE_LENGTH = 160;

/**
 * The excerpt, its first line's offset within the chunk (0 = the chunk's first line), and the
 * offset of the line that matches most query terms (-1 when none does).
 */
export function snippetOf(content: string, terms: ReadonlySet<string>): { text: string; offset: number; best: number } {
  const lines = content.split(/\r?\n/);
  const best = bestLine(lines, terms);
  let start = best < 0 ? 0 : Math.max(0, best - LINES_BEFORE);
  const end = best < 0 ? LINES_BEFORE + LINES_AFTER + 1 : best + LINES_AFTER + 1;
  const window = lines.slice(start, end).map((l) => clip(l.trimEnd()));
  while (window.length > 0 && window[0].trim() === '') {
    window.shift();
    start++;
  }
  while (window.length > 0 && window[window.length - 1].trim() === '') window.pop();
  return { text: dedent(window).join('\n'), offset: start, best };
}

function bestLine(lines: string[], terms: ReadonlySet<string>): number {
  if (terms.size === 0) return -1;
  let best = -1;
  let bestCount = 0;
  for (let i = 0; i < lines.length; i++) {
    let count = 0;
    for (const t of new Set(codeTerms(lines[i]))) if (terms.has(t)) count++;
    if (count > bestCount) {
      best = i;
      bestCount = count;
    }
  }
  return best;
}

function clip(line: string): string {
  return line.length > MAX_LINE_LENGTH ? `${line.slice(0, MAX_LINE_LENGTH - 1)}…` : line;
}

function dedent(lines: string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0].length);
  const common = indents.length > 0 ? Math.min(...indents) : 0;
  return common > 0 ? lines.map((l) => l.slice(common)) : lines;
}
