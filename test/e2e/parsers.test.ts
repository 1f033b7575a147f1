import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGED_LANGUAGES } from '../../src/chunking/grammars.js';
import { snapshotEmbeddedIndex } from '../support/index-snapshot.js';
import { assertBuilt, cleanEnv, onlyJson, PROJECT_ROOT, runCli } from './cli-harness.js';

const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'chunking');
const nativeShipped = existsSync(path.join(PROJECT_ROOT, 'node_modules', 'tree-sitter', 'prebuilds', `${process.platform}-${process.arch}`));

let work: string;
beforeAll(async () => {
  assertBuilt();
  work = await mkdtemp(path.join(os.tmpdir(), 'cw-e2e-parsers-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A repository of the chunking fixtures (one file per packaged language), a Kotlin file and a text file. */
async function repo(name: string, config?: object): Promise<string> {
  const dir = path.join(work, name);
  await cp(FIXTURES, dir, { recursive: true });
  await writeFile(path.join(dir, 'Main.kt'), 'fun main() {\n    println("hi")\n}\n');
  await writeFile(path.join(dir, 'notes.txt'), 'plain text\n');
  if (config) await writeFile(path.join(dir, 'codeweaver.config.json'), JSON.stringify(config));
  return dir;
}

async function indexJson(dir: string, env: Record<string, string> = {}) {
  const res = await runCli(['index', dir, '--json'], { env: cleanEnv(env) });
  expect(res.code, res.stderr).toBe(0);
  return onlyJson(res);
}

describe('cw index reports how each language was parsed', () => {
  it.runIf(nativeShipped)('native where the grammar loads, WASM when asked, on a chunk thread too; the same chunks each way', async () => {
    const native = await repo('native');
    const wasm = await repo('wasm', { indexing: { parser: 'wasm' } });
    const threaded = await repo('threaded');
    const a = await indexJson(native);
    const b = await indexJson(wasm);
    const c = await indexJson(threaded, { CODEWEAVER_CHUNK_THREADS: '1' });
    const expected = (backend: string) => ({ ...Object.fromEntries(PACKAGED_LANGUAGES.map((l) => [l, backend])), kotlin: 'wasm' });
    expect(a.parsers).toEqual(expected('native'));
    expect(b.parsers).toEqual(expected('wasm'));
    expect(c.parsers).toEqual(expected('native'));
    const chunksOf = (dir: string) => snapshotEmbeddedIndex(path.join(dir, '.codeweaver', 'index.sqlite')).chunks.filter((k) => !k.startsWith('codeweaver.config.json'));
    expect(chunksOf(wasm)).toEqual(chunksOf(native));
    expect(chunksOf(threaded)).toEqual(chunksOf(native));

    // By hand: --verbose names them.
    await rm(path.join(native, '.codeweaver'), { recursive: true });
    const text = await runCli(['index', native, '--verbose'], { env: cleanEnv() });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/parsed natively: bash, c, cpp, csharp, go, java, javascript, php, python, ruby, rust, tsx, typescript/);
    expect(text.stdout).toMatch(/parsed on WASM: kotlin/);
  });

  it('lists nothing for a rerun that chunked nothing', async () => {
    const dir = await repo('rerun');
    await indexJson(dir);
    expect((await indexJson(dir)).parsers).toEqual({});
  });
});
