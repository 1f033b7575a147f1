import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chunkId, sha256Hex } from '../../src/chunking/chunk.js';
import { EmbeddedStore, type EmbeddedStoreOptions } from '../../src/store/embedded.js';
import type { FileWrite, IndexMeta, StoredChunk } from '../../src/store/vector-store.js';

export const LEXICAL: IndexMeta = { provider: 'local', model: 'bm25', dimensions: null };
export const DENSE3: IndexMeta = { provider: 'test', model: 'tiny', dimensions: 3 };

/**
 * The write thread's script as built (`npm test` builds first): the TypeScript sources have no
 * .js beside them for a worker to load.
 */
export function writeWorkerScript(): URL {
  const file = resolve(import.meta.dirname, '../../dist/store/embedded/write-worker.js');
  if (!existsSync(file)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  return pathToFileURL(file);
}

/** Writes on the calling thread, and on the write thread from a run's first write. */
export const WRITE_MODES: Array<{ name: string; onThread: boolean; writeThread: () => EmbeddedStoreOptions['writeThread'] }> = [
  { name: 'on the calling thread', onThread: false, writeThread: () => null },
  { name: 'on the write thread', onThread: true, writeThread: () => ({ after: 0, script: writeWorkerScript() }) },
];

/**
 * A temp directory with an index path inside `.codeweaver`; `cleanup` closes and removes it.
 * Stores it makes write as `writeThread` says (by default, on the calling thread: nothing to
 * start for a test that is not about it).
 */
export function tempIndex(): {
  dir: string;
  path: string;
  stores: EmbeddedStore[];
  writeThread: EmbeddedStoreOptions['writeThread'];
  make(): EmbeddedStore;
  cleanup(): Promise<void>;
} {
  const dir = mkdtempSync(join(tmpdir(), 'cw-embedded-'));
  const path = join(dir, '.codeweaver', 'index.sqlite');
  const stores: EmbeddedStore[] = [];
  return {
    dir,
    path,
    stores,
    writeThread: null,
    make() {
      const s = new EmbeddedStore({ path, writeThread: this.writeThread });
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
