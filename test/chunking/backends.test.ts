import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import fg from 'fast-glob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChunker } from '../../src/chunking/chunker.js';
import { Grammars, PACKAGED_LANGUAGES } from '../../src/chunking/grammars.js';
import { languageForPath } from '../../src/discovery/language.js';
import { expectValidChunks, linesOf } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'chunking');
const require = createRequire(import.meta.url);

/** The binding ships prebuilt addons for this platform: native parsing must load here. */
const nativeShipped = existsSync(join(dirname(require.resolve('tree-sitter/package.json')), 'prebuilds', `${process.platform}-${process.arch}`));

function file(path: string, text = readFileSync(path, 'utf8')) {
  return { path, language: languageForPath(path), text };
}

/**
 * Each fixture whole, repeated (so that its classes must be split), and cut off at a few points
 * (unbalanced brackets: error recovery must agree too); plus real C, C++ and JavaScript and
 * TypeScript files of our dependencies.
 */
function corpus() {
  const files = [];
  for (const name of readdirSync(FIXTURES)) {
    const f = file(join(FIXTURES, name));
    files.push(f, { ...f, path: `${f.path}.x20`, text: f.text.repeat(20) });
    const lines = linesOf(f.text);
    for (const share of [0.3, 0.55, 0.8]) files.push({ ...f, path: `${f.path}.cut${share}`, text: lines.slice(0, Math.floor(lines.length * share)).join('\n') });
  }
  const real = fg.sync(['tree-sitter*/src/**/*.{c,cc,h}', 'tree-sitter*/bindings/node/*.{cc,js,ts}', 'undici/lib/**/*.js', 'zod/src/v4/core/*.ts'], {
    cwd: join(ROOT, 'node_modules'),
    absolute: true,
  });
  for (const path of real.sort()) {
    const f = file(path);
    if (f.text.length < 300_000) files.push(f);
  }
  return files;
}

describe('parsing back ends', () => {
  it.runIf(nativeShipped)('parses every packaged language natively where the binding ships prebuilt addons, and on WASM when asked', async () => {
    const auto = await createChunker({ targetTokens: 512, maxTokens: 512 });
    const wasm = await createChunker({ targetTokens: 512, maxTokens: 512, parser: 'wasm' });
    for (const language of PACKAGED_LANGUAGES) {
      for (const c of [auto, wasm]) await c.chunkFile({ path: `x.${language}`, language, text: 'x\n' });
      expect([language, auto.backendOf(language)]).toEqual([language, 'native']);
      expect([language, wasm.backendOf(language)]).toEqual([language, 'wasm']);
    }
    // Languages without a native grammar parse on WASM in either mode.
    await auto.chunkFile({ path: 'x.kt', language: 'kotlin', text: 'fun main() {}\n' });
    expect(auto.backendOf('kotlin')).toBe('wasm');
  });

  for (const [target, max] of [[512, 512], [48, 48]] as const) {
    it(`gives exactly the same chunks on both back ends (target ${target}, max ${max})`, async () => {
      const native = await createChunker({ targetTokens: target, maxTokens: max });
      const wasm = await createChunker({ targetTokens: target, maxTokens: max, parser: 'wasm' });
      const languages = new Set<string>();
      let chunks = 0;
      for (const f of corpus()) {
        const a = await native.chunkFile(f);
        const b = await wasm.chunkFile(f);
        expect(a, f.path).toEqual(b);
        expectValidChunks(f.text, a, max);
        languages.add(f.language);
        chunks += a.length;
      }
      for (const language of PACKAGED_LANGUAGES) expect(languages.has(language), language).toBe(true);
      expect(chunks).toBeGreaterThan(1000);
    });
  }

  describe('a native grammar that does not load', () => {
    let dir: string;
    beforeAll(() => {
      // A copy of the JavaScript grammar package whose addon fails to load, as on a platform it
      // ships no binary for; its .wasm is intact.
      dir = mkdtempSync(join(tmpdir(), 'cw-grammar-'));
      const pkg = dirname(require.resolve('tree-sitter-javascript/package.json'));
      mkdirSync(join(dir, 'bindings', 'node'), { recursive: true });
      cpSync(join(pkg, 'package.json'), join(dir, 'package.json'));
      cpSync(join(pkg, 'tree-sitter-javascript.wasm'), join(dir, 'tree-sitter-javascript.wasm'));
      writeFileSync(join(dir, 'bindings', 'node', 'index.js'), "throw new Error('No native build was found for platform=test');\n");
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.runIf(nativeShipped)('leaves that language to WASM, with the same chunks, and the others native', async () => {
      const broken = await createChunker({ targetTokens: 64, maxTokens: 64, grammarRoots: { javascript: dir } });
      const reference = await createChunker({ targetTokens: 64, maxTokens: 64 });
      const js = file(join(FIXTURES, 'sample.js'));
      const ts = file(join(FIXTURES, 'sample.ts'));
      expect(await broken.chunkFile(js)).toEqual(await reference.chunkFile(js));
      expect(await broken.chunkFile(ts)).toEqual(await reference.chunkFile(ts));
      expect(broken.backendOf('javascript')).toBe('wasm');
      expect(reference.backendOf('javascript')).toBe('native');
      expect(broken.backendOf('typescript')).toBe('native');
      expect((await broken.chunkFile(js)).some((c) => c.symbol === 'Queue')).toBe(true);
    });
  });

  it('parses a language whose grammar package is missing with tree-sitter-wasms\' older build of its grammar', async () => {
    // The grammar packages are optional dependencies: npm leaves one out where its install
    // script fails. A path that does not exist stands for it.
    const missing = join(tmpdir(), 'cw-no-such-grammar-package');
    const chunker = await createChunker({ targetTokens: 40, maxTokens: 40, grammarRoots: { python: missing, ruby: missing } });
    for (const name of ['sample.py', 'sample.rb']) {
      const f = file(join(FIXTURES, name));
      const chunks = await chunker.chunkFile(f);
      expectValidChunks(f.text, chunks, 40);
      expect(chunker.backendOf(f.language)).toBe('wasm');
      // Parsed, not line windows: the methods are found.
      expect(chunks.map((c) => c.symbol)).toContain('Greeter.greet');
    }
  });

  it.runIf(nativeShipped)('keeps native trees from piling up: they are freed by the garbage collector, which is asked to run', async () => {
    // 35 M characters parsed, one tree at a time, yielding to the event loop (which runs the
    // binding's finalizers) as a run does. Trees take ~14 bytes per character here: left to V8's
    // own schedule, which cannot see them, RSS grew by 290-440 MB; with the collections, ~120 MB.
    const text = readFileSync(join(ROOT, 'node_modules', 'undici', 'lib', 'web', 'fetch', 'index.js'), 'utf8');
    const parser = (await new Grammars().get('javascript'))!;
    expect(parser.backend).toBe('native');
    const before = process.memoryUsage().rss;
    let peak = before;
    for (let parsed = 0; parsed < 35_000_000; parsed += text.length) {
      const tree = parser.parse(text)!;
      expect(tree.rootNode.childCount).toBeGreaterThan(10);
      await new Promise(setImmediate);
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    console.log(`native trees: RSS grew by ${((peak - before) / 1e6).toFixed(0)} MB`);
    expect((peak - before) / 1e6).toBeLessThan(200);
  });
});
