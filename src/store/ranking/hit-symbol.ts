/**
 * The name a hit is shown with. A chunk that merged several small definitions is stored with the
 * first one's name; a hit whose best-matching line lies in a later one (`class RetryError` in a
 * chunk that starts with `InvalidHeader`) is labelled with that one. The one rule for both stores.
 */
import type { Definition } from '../../chunking/chunk.js';

/**
 * The innermost definition of `definitions` whose lines hold `line` (1-based, in the file): the
 * method `Session.send` rather than its class, or the chunk's own symbol when none does or no
 * line matched.
 */
export function hitSymbol(chunkSymbol: string | null, definitions: readonly Definition[] | null | undefined, line: number | null): string | null {
  if (!definitions || line === null) return chunkSymbol;
  let best: Definition | null = null;
  for (const d of definitions) {
    if (d.startLine <= line && line <= d.endLine && (!best || d.endLine - d.startLine < best.endLine - best.startLine)) best = d;
  }
  return best?.symbol ?? chunkSymbol;
}

/** Definitions read back from storage (JSON), or null for none or anything malformed. */
export function parseDefinitions(stored: unknown): Definition[] | null {
  const value = typeof stored === 'string' ? safeJson(stored) : stored;
  if (!Array.isArray(value)) return null;
  const ok = value.every((d) => d && typeof d.symbol === 'string' && Number.isInteger(d.startLine) && Number.isInteger(d.endLine));
  return ok ? (value as Definition[]) : null;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
