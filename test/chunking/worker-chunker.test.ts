import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { languageForPath } from '../../src/discovery/language.js';

// Worker threads load the built script (dist/chunking/chunk-worker.js): `npm test` builds first.
const ROOT = path.resolve(import.meta.dirname, '../..');
const DIST = path.join(ROOT, 'dist', 'chunking');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'chunking');
const UNDICI = path.join(ROOT, 'node_modules', 'undici', 'lib', 'core');

describe('chunking on worker threads', () => {
  it('gives exactly the chunks of the in-thread chunker, and stops cleanly', async () => {
    if (!existsSync(path.join(DIST, 'chunk-worker.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
    const { createWorkerChunker } = await import(path.join(DIST, 'worker-chunker.js'));
    const { createChunker } = await import(path.join(DIST, 'chunker.js'));
    const files = [
      ...readdirSync(FIXTURES).map((f) => path.join(FIXTURES, f)),
      ...readdirSync(UNDICI).map((f) => path.join(UNDICI, f)),
    ].map((p) => ({ path: path.relative(ROOT, p), language: languageForPath(p), text: readFileSync(p, 'utf8') }));
    const options = { targetTokens: 256, maxTokens: 256 };

    const inThread = await createChunker(options);
    const expected = [];
    for (const f of files) expected.push(await inThread.chunkFile(f));

    const threaded = await createWorkerChunker(options, 2);
    try {
      expect(threaded.signature).toBe(inThread.signature);
      const actual = await Promise.all(files.map((f) => threaded.chunkFile(f)));
      expect(actual).toEqual(expected);
    } finally {
      await threaded.close();
    }
    await expect(threaded.chunkFile(files[0])).rejects.toThrow(/closed/);
  });
});
