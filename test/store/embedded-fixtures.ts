import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkId, sha256Hex } from '../../src/chunking/chunk.js';
import { EmbeddedStore } from '../../src/store/embedded.js';
import type { FileWrite, IndexMeta, StoredChunk } from '../../src/store/vector-store.js';

export const LEXICAL: IndexMeta = { provider: 'local', model: 'bm25', dimensions: null };
export const DENSE3: IndexMeta = { provider: 'test', model: 'tiny', dimensions: 3 };

/** A temp directory with an index path inside `.codeweaver`; `cleanup` closes and removes it. */
export function tempIndex(): { dir: string; path: string; stores: EmbeddedStore[]; make(): EmbeddedStore; cleanup(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'cw-embedded-'));
  const path = join(dir, '.codeweaver', 'index.sqlite');
  const stores: EmbeddedStore[] = [];
  return {
    dir,
    path,
    stores,
    make() {
      const s = new EmbeddedStore({ path });
      stores.push(s);
      return s;
    },
    async cleanup() {
      for (const s of stores) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function chunk(path: string, startLine: number, content: string, vector: number[] | null = null, symbol: string | null = null): StoredChunk {
  const contentHash = sha256Hex(content);
  const endLine = startLine + content.split('\n').length - 1;
  return {
    id: chunkId(path, startLine, endLine, contentHash),
    path,
    language: 'typescript',
    startLine,
    endLine,
    content,
    contentHash,
    symbol,
    tokens: Math.ceil(content.length / 4),
    vector: vector ? Float32Array.from(vector) : null,
  };
}

export function file(path: string, chunks: StoredChunk[], fileHash = sha256Hex(chunks.map((c) => c.content).join('\n'))): FileWrite {
  return { path, fileHash, language: 'typescript', chunks };
}
