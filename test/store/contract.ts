/**
 * The contract every VectorStore must keep, as one suite run against each store (embedded,
 * and Qdrant through the validating double). What the pipeline and the session rely on is
 * tested here once, not store by store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chunkId, sha256Hex } from '../../src/chunking/chunk.js';
import type { FileWrite, IndexMeta, StoredChunk, VectorStore } from '../../src/store/vector-store.js';

export interface StoreHarness {
  /** A new store object on the same index (another process, another run). */
  make(): VectorStore;
  /** Called after each test. */
  cleanup(): Promise<void>;
}

const META: IndexMeta = { provider: 'voyage', model: 'voyage-code-3', dimensions: 4, build: { base_url: 'http://127.0.0.1:1/v1', chunk_tokens: 512 } };
const OTHER: IndexMeta = { provider: 'cohere', model: 'embed-v4.0', dimensions: 4 };

function chunk(path: string, start: number, content: string, vector: number[]): StoredChunk {
  const contentHash = sha256Hex(content);
  const end = start + content.split('\n').length - 1;
  return {
    id: chunkId(path, start, end, contentHash),
    path,
    language: path.endsWith('.md') ? 'markdown' : 'typescript',
    startLine: start,
    endLine: end,
    content,
    contentHash,
    symbol: /function (\w+)/.exec(content)?.[1] ?? null,
    tokens: 10,
    vector: Float32Array.from(vector),
  };
}

function file(path: string, chunks: StoredChunk[], version = 'v1'): FileWrite {
  return { path, fileHash: sha256Hex(`${version}:${path}`), language: chunks[0]?.language ?? 'typescript', chunks };
}

async function listAll(store: VectorStore): Promise<string[]> {
  const out: string[] = [];
  for await (const p of store.listFiles()) out.push(p);
  return out.sort();
}

export function vectorStoreContract(name: string, setup: () => Promise<StoreHarness>): void {
  describe(`VectorStore contract: ${name}`, () => {
    let h: StoreHarness;
    let s: VectorStore;
    beforeEach(async () => {
      h = await setup();
      s = h.make();
    });
    afterEach(async () => {
      await s.close();
      await h.cleanup();
    });

    it('has no index until opened; open creates one with its meta, build settings included', async () => {
      expect(await h.make().openReadOnly()).toBeNull();
      await s.open(META, { rebuild: false });
      await s.writeFiles([file('a.ts', [chunk('a.ts', 1, 'function alpha() {}', [1, 0, 0, 0])])]);
      await s.close();
      expect(await h.make().openReadOnly()).toEqual(META);
    });

    it('records a file with all its chunks; hashes, listing, status and reuse see exactly that', async () => {
      await s.open(META, { rebuild: false });
      const a = file('src/a.ts', [chunk('src/a.ts', 1, 'function alpha() {}', [1, 0, 0, 0]), chunk('src/a.ts', 2, 'function beta() {}', [0, 1, 0, 0])]);
      const written = await s.writeFiles([a, file('b.md', [chunk('b.md', 1, '# notes about alpha', [0, 0, 1, 0])])]);
      expect(written).toEqual({ chunksWritten: 3, chunksDeleted: 0 });
      expect(await s.fileHashes(['src/a.ts', 'b.md', 'missing.ts'])).toEqual(new Map([['src/a.ts', a.fileHash], ['b.md', expect.any(String)]]));
      expect(await listAll(s)).toEqual(['b.md', 'src/a.ts']);
      expect(await s.status()).toMatchObject({ files: 2, chunks: 3, vectors: 3, meta: { provider: 'voyage', dimensions: 4 } });
      const reused = await s.reusableVectors([a.chunks[0]!.contentHash, sha256Hex('unknown')]);
      expect([...reused.keys()]).toEqual([a.chunks[0]!.contentHash]);
      expect(Array.from(reused.get(a.chunks[0]!.contentHash)!)).toEqual([1, 0, 0, 0]);
    });

    it('listFiles(under) lists at least every path at or below the given ones', async () => {
      await s.open(META, { rebuild: false });
      const paths = ['src/a.ts', 'src/deep/b.ts', 'src-old/c.ts', 'src.ts', 'lib/d.ts', 'readme.md'];
      await s.writeFiles(paths.map((p) => file(p, [chunk(p, 1, `function f${paths.indexOf(p)}() {}`, [1, 0, 0, 0])])));
      const under = async (prefixes: string[]) => {
        const out: string[] = [];
        for await (const p of s.listFiles(prefixes)) out.push(p);
        return out;
      };
      const inside = (p: string, prefixes: string[]) => prefixes.some((q) => q === '' || p === q || p.startsWith(`${q}/`));
      for (const prefixes of [['src'], ['src/deep/b.ts', 'readme.md'], ['missing'], ['']]) {
        const listed = await under(prefixes);
        expect(new Set(listed).size).toBe(listed.length);
        expect(listed.filter((p) => inside(p, prefixes)).sort()).toEqual(paths.filter((p) => inside(p, prefixes)).sort());
      }
    });

    it('a rewrite replaces the stale chunks; planWrite and countChunks say beforehand what write and delete will do', async () => {
      await s.open(META, { rebuild: false });
      await s.writeFiles([file('a.ts', [chunk('a.ts', 1, 'function alpha() {}', [1, 0, 0, 0]), chunk('a.ts', 2, 'function beta() {}', [0, 1, 0, 0])])]);
      const next = file('a.ts', [chunk('a.ts', 1, 'function alpha() {}', [1, 0, 0, 0]), chunk('a.ts', 2, 'function gamma() {}', [0, 0, 1, 0])], 'v2');
      const planned = await s.planWrite([next]);
      expect(planned).toEqual({ chunksWritten: 2, chunksDeleted: 1 });
      expect(await s.writeFiles([next])).toEqual(planned);
      expect(await s.countChunks(['a.ts', 'nothing.ts'])).toBe(2);
      expect(await s.deleteFiles(['a.ts'])).toBe(2);
      expect(await listAll(s)).toEqual([]);
      expect((await s.status()).chunks).toBe(0);
    });

    it('searches lexically and hybrid, within a directory', async () => {
      await s.open(META, { rebuild: false });
      await s.writeFiles([
        file('src/http/pool.ts', [chunk('src/http/pool.ts', 1, 'function acquireConnection() { return pool.take(); }', [1, 0, 0, 0])]),
        file('src/cli/main.ts', [chunk('src/cli/main.ts', 1, 'function parseArguments() { return argv; }', [0, 1, 0, 0])]),
      ]);
      const lexical = await s.search({ text: 'acquire connection', vector: null, limit: 5 });
      expect(lexical[0]).toMatchObject({ path: 'src/http/pool.ts', startLine: 1, symbol: 'acquireConnection', snippetStartLine: 1 });
      const hybrid = await s.search({ text: 'arguments', vector: Float32Array.from([0, 1, 0, 0]), limit: 2 });
      expect(hybrid[0]!.path).toBe('src/cli/main.ts');
      expect((await s.search({ text: 'function', vector: null, limit: 5, pathPrefix: 'src/cli' })).map((x) => x.path)).toEqual(['src/cli/main.ts']);
    });

    it('shows the same snippet and reads a path filter the same way, whatever the store', async () => {
      await s.open(META, { rebuild: false });
      const body = ['function retryLater() {', '  const a = 1;', '  const b = 2;', '  const c = 3;', '  const d = 4;', '  const e = 5;', '  const f = 6;', '  const g = 7;', '  return scheduleBackoffTimer(a);', '}'].join('\n');
      await s.writeFiles([file('src/http/retry.ts', [chunk('src/http/retry.ts', 20, body, [1, 0, 0, 0])])]);
      const [hit] = await s.search({ text: 'schedule backoff timer', vector: null, limit: 1 });
      // From one line before the line that matches most query terms (28).
      expect(hit).toMatchObject({ path: 'src/http/retry.ts', snippetStartLine: 27, bestLine: 28 });
      expect(hit!.snippet.split('\n')[1]).toContain('scheduleBackoffTimer');
      for (const prefix of ['src/http', './src/http/', 'src/http/', '/src/http', 'src\\http']) {
        expect((await s.search({ text: 'backoff', vector: null, limit: 5, pathPrefix: prefix })).map((x) => x.path), prefix).toEqual(['src/http/retry.ts']);
      }
      expect(await s.search({ text: 'backoff', vector: null, limit: 5, pathPrefix: 'src/htt' })).toEqual([]);
    });

    it('refuses another model; a rebuild leaves the live index whole until publish, then replaces it', async () => {
      await s.open(META, { rebuild: false });
      await s.writeFiles([file('live.ts', [chunk('live.ts', 1, 'function live() {}', [1, 0, 0, 0])])]);
      await s.close();
      await expect(h.make().open(OTHER, { rebuild: false })).rejects.toThrow(/--full/);
      const rebuild = h.make();
      await rebuild.open(OTHER, { rebuild: true });
      await rebuild.writeFiles([file('new.ts', [chunk('new.ts', 1, 'function fresh() {}', [0, 1, 0, 0])])]);
      const reader = h.make();
      expect(await reader.openReadOnly()).toMatchObject({ provider: 'voyage' });
      expect((await reader.search({ text: 'live', vector: null, limit: 3 })).map((x) => x.path)).toEqual(['live.ts']);
      await reader.close();
      await rebuild.publish();
      await rebuild.close();
      const after = h.make();
      expect(await after.openReadOnly()).toMatchObject({ provider: 'cohere' });
      expect(await listAll(after)).toEqual(['new.ts']);
      await after.close();
    });

    it('drop removes the whole index', async () => {
      await s.open(META, { rebuild: false });
      await s.writeFiles([file('a.ts', [chunk('a.ts', 1, 'function alpha() {}', [1, 0, 0, 0])])]);
      await s.close();
      expect((await h.make().drop()).length).toBeGreaterThan(0);
      expect(await h.make().openReadOnly()).toBeNull();
    });
  });
}
