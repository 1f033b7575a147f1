import { expect } from 'vitest';
import type { Chunk } from '../../src/chunking/chunk.js';
import { chunkId, sha256Hex } from '../../src/chunking/chunk.js';
import { estimateTokens } from '../../src/chunking/tokens.js';

/** The file's lines as the chunker counts them: a final newline does not start another line. */
export function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The invariants every chunking must keep: every line in at least one chunk, each chunk's
 * content is exactly its lines (or a piece of its one line), within maxTokens, with a
 * consistent hash, id and token count.
 */
export function expectValidChunks(text: string, chunks: Chunk[], maxTokens: number): void {
  const lines = linesOf(text);
  const covered = new Uint8Array(lines.length);
  const ids = new Set<string>();
  for (const c of chunks) {
    expect(c.startLine).toBeGreaterThanOrEqual(1);
    expect(c.endLine).toBeGreaterThanOrEqual(c.startLine);
    expect(c.endLine).toBeLessThanOrEqual(lines.length);
    expect(c.tokens, `${c.path}:${c.startLine}-${c.endLine}`).toBeLessThanOrEqual(maxTokens);
    expect(c.tokens).toBe(estimateTokens(c.content));
    expect(c.contentHash).toBe(sha256Hex(c.content));
    expect(c.id).toBe(chunkId(c.path, c.startLine, c.endLine, c.contentHash));
    expect(ids.has(c.id)).toBe(false);
    ids.add(c.id);
    const whole = lines.slice(c.startLine - 1, c.endLine).join('\n');
    if (c.content !== whole) {
      // Only a piece of one over-long line may differ from its whole lines.
      expect(c.startLine).toBe(c.endLine);
      expect(whole.includes(c.content)).toBe(true);
    }
    for (let l = c.startLine; l <= c.endLine; l++) covered[l - 1] = 1;
  }
  const missing = [...covered.keys()].filter((i) => covered[i] === 0).map((i) => i + 1);
  expect(missing, 'lines in no chunk').toEqual([]);
}

/** The pieces of one line, in order, put back together. */
export function joinPieces(chunks: Chunk[], line: number): string {
  return chunks.filter((c) => c.startLine === line && c.endLine === line).map((c) => c.content).join('');
}
