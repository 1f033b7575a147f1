import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createChunker } from '../../src/chunking/chunker.js';
import { languageForPath } from '../../src/discovery/language.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/chunking');

describe('chunker under concurrent calls', () => {
  it('gives the same chunks when files of many languages are chunked at once as one by one', async () => {
    const files = readdirSync(FIXTURES)
      .filter((f) => languageForPath(f) !== 'text')
      .map((f) => ({ path: f, language: languageForPath(f), text: readFileSync(path.join(FIXTURES, f), 'utf8') }));
    expect(files.length).toBeGreaterThanOrEqual(12);
    const options = { targetTokens: 96, maxTokens: 96 };
    const sequential = await createChunker(options);
    const expected = [];
    for (const f of files) expected.push(await sequential.chunkFile(f));
    // A fresh chunker, every grammar loaded at the same moment, every file in flight at once.
    const concurrent = await createChunker(options);
    const actual = await Promise.all([...files, ...files].map((f) => concurrent.chunkFile(f)));
    expect(actual).toEqual([...expected, ...expected]);
  });
});
