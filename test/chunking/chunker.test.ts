import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChunker, type Chunker } from '../../src/chunking/chunker.js';
import { languageForPath } from '../../src/discovery/language.js';
import { expectValidChunks, joinPieces, linesOf } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'chunking');
const NODE_MODULES = join(import.meta.dirname, '..', '..', 'node_modules');

/** [expected symbol, prefix of the line its chunk must start on] */
type Expect = Array<[string, string]>;

/**
 * Per language: the chunks that start at top-level definitions (nothing merged, nothing
 * split), and, when nodes must be split, the chunks that start at methods.
 */
const LANGUAGES: Record<string, { topLevel: Expect; nested: Expect }> = {
  'sample.ts': {
    topLevel: [['add', '/** Adds two numbers. */'], ['Shape', 'export interface Shape'], ['Circle', 'export class Circle'], ['double', 'export const double'], ['Pair', 'type Pair'], ['load', 'async function load']],
    nested: [['Circle.area', '  area(): number {'], ['Circle.scaled', '  scaled(factor']],
  },
  'sample.tsx': {
    topLevel: [['Props', 'interface Props'], ['Header', 'export function Header'], ['Counter', 'export class Counter']],
    nested: [['Counter.render', '  render() {']],
  },
  'sample.js': {
    topLevel: [['join', '// Joins parts.'], ['Queue', 'class Queue'], ['square', 'const square']],
    nested: [['Queue.constructor', '  constructor()'], ['Queue.push', '  push(item)'], ['Queue.shift', '  shift()']],
  },
  'sample.py': {
    topLevel: [['greet', 'def greet(name)'], ['Greeter', 'class Greeter'], ['wrapped', '@decorator']],
    nested: [['Greeter.__init__', '    def __init__'], ['Greeter.shout', '    @staticmethod'], ['Greeter.greet', '    def greet(self']],
  },
  'sample.go': {
    topLevel: [['Point', '// Point is a point.'], ['Add', 'func Add'], ['String', 'func (p Point) String'], ['Move', 'func (p *Point) Move']],
    nested: [],
  },
  'sample.rs': {
    topLevel: [['Point', '/// A point.'], ['Point', 'impl Point {'], ['Point', 'impl fmt::Display'], ['count', 'pub fn count'], ['Color', 'enum Color'], ['Shape', 'trait Shape']],
    nested: [['Point.new', '    pub fn new'], ['Point.norm', '    pub fn norm'], ['Point.fmt', '    fn fmt']],
  },
  'Sample.java': {
    topLevel: [['Sample', '/** A sample. */'], ['Greeter', 'interface Greeter'], ['Level', 'enum Level']],
    nested: [['Sample.Sample', '    public Sample()'], ['Sample.add', '    public void add'], ['Sample.size', '    public int size']],
  },
  'sample.c': {
    topLevel: [['point', 'struct point {'], ['add', '/* Adds two ints. */'], ['print_point', 'static void print_point'], ['main', 'int main(void)']],
    nested: [],
  },
  'sample.cpp': {
    topLevel: [['geo', 'namespace geo {'], ['Counter::next', 'int Counter::next']],
    nested: [['geo.Shape', 'class Shape {'], ['geo.Square.area', '    double area() const override'], ['geo.total', 'double total(']],
  },
  'Sample.cs': {
    topLevel: [['Example', 'namespace Example']],
    nested: [['Example.Sample', '    /// <summary>'], ['Example.Sample.Sample', '        public Sample()'], ['Example.Sample.Add', '        public void Add'], ['Example.IGreeter', '    public interface IGreeter']],
  },
  'sample.rb': {
    topLevel: [['Greeter', '# Greets people.'], ['Util', 'module Util'], ['helper', 'def helper']],
    nested: [['Greeter.initialize', '  def initialize'], ['Greeter.greet', '  def greet'], ['Greeter.default', '  def self.default']],
  },
  'sample.sh': {
    topLevel: [['log', '# Prints a message'], ['build', 'build() {'], ['run_tests', 'function run_tests']],
    nested: [],
  },
  'sample.php': {
    topLevel: [['App', 'namespace App;'], ['add', '/** Adds two numbers. */'], ['Greeter', 'class Greeter'], ['Shape', 'interface Shape']],
    nested: [['Greeter.__construct', '    public function __construct'], ['Greeter.greet', '    public function greet']],
  },
};

function lineOf(text: string, prefix: string): number {
  const i = linesOf(text).findIndex((l) => l.startsWith(prefix));
  if (i === -1) throw new Error(`fixture has no line starting with ${JSON.stringify(prefix)}`);
  return i + 1;
}

// Every test below runs on both parsing back ends: the native binding where it loads (here it
// does: test/chunking/backends.test.ts checks), and WASM.
describe.each(['auto', 'wasm'] as const)('%s parser', (parser) => {
  describe('AST chunking per language', () => {
    let whole: Chunker; // nothing split, nothing merged: one chunk per top-level definition
    let split: Chunker; // classes too big: split into their methods
    beforeAll(async () => {
      whole = await createChunker({ parser, targetTokens: 1, maxTokens: 10_000 });
      split = await createChunker({ parser, targetTokens: 1, maxTokens: 40 });
    });

    for (const [file, expected] of Object.entries(LANGUAGES)) {
      it(`${file}: chunks start at definitions and carry their names`, async () => {
        const text = readFileSync(join(FIXTURES, file), 'utf8');
        const language = languageForPath(file);
        expect(language).not.toBe('text');

        const top = await whole.chunkFile({ path: file, language, text });
        expectValidChunks(text, top, 10_000);
        const starts = top.map((c) => [c.symbol, c.startLine]);
        for (const [symbol, prefix] of expected.topLevel) expect(starts).toContainEqual([symbol, lineOf(text, prefix)]);

        const nested = await split.chunkFile({ path: file, language, text });
        expectValidChunks(text, nested, 40);
        const nestedStarts = nested.map((c) => [c.symbol, c.startLine]);
        for (const [symbol, prefix] of expected.nested) expect(nestedStarts).toContainEqual([symbol, lineOf(text, prefix)]);
      });
    }

    it('merges small neighbours up to the target, never past a definition boundary into a split node', async () => {
      const text = readFileSync(join(FIXTURES, 'sample.ts'), 'utf8');
      const merged = await (await createChunker({ parser, targetTokens: 60, maxTokens: 60 })).chunkFile({ path: 'sample.ts', language: 'typescript', text });
      const one = await whole.chunkFile({ path: 'sample.ts', language: 'typescript', text });
      expectValidChunks(text, merged, 60);
      expect(merged.length).toBeLessThan(one.length + 3);
      // Imports and the constant are merged into one chunk rather than three.
      expect(merged[0]).toMatchObject({ startLine: 1, symbol: null });
      expect(merged[0]!.endLine).toBeGreaterThanOrEqual(lineOf(text, 'const DEFAULT_LIMIT'));
      // Circle is split; its first chunk starts at the class, not merged into `Shape` before it.
      expect(merged.map((c) => c.startLine)).toContain(lineOf(text, 'export class Circle'));
    });
  });

  describe('doc comments, attributes and functions named by assignment', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  total = total + step(${i}, total);`).join('\n');
    const js = `var proto = module.exports = {};\n\n/**\n * Map the given param placeholder to the given callback.\n * @param {String} name\n */\nproto.param = function param(name, fn) {\n  var total = 0;\n${body(30)}\n  return total;\n};\n\nFoo.prototype.reset = () => {\n  this.count = 0;\n};\n`;
    const ts = `export class Widget {\n  handleClick = (event: Event) => {\n    this.clicked = true;\n  };\n}\n`;
    const rust = `use std::fmt;\n\n/// Parses a header value into its parts.\n///\n/// Returns None when the value is empty.\n#[inline]\n#[must_use]\npub fn parse_header(value: &str) -> Option<Vec<String>> {\n    let mut total = 0;\n${body(30).replaceAll('  total', '    total')}\n    None\n}\n`;

    it('JS/TS: a function assigned to a property, a prototype or a class field carries that name, with its JSDoc', async () => {
      const whole = await createChunker({ parser, targetTokens: 1, maxTokens: 10_000 });
      const chunks = await whole.chunkFile({ path: 'router.js', language: 'javascript', text: js });
      expect(chunks.map((c) => [c.symbol, c.startLine])).toEqual(expect.arrayContaining([['proto.param', lineOf(js, '/**')], ['Foo.prototype.reset', lineOf(js, 'Foo.prototype.reset')]]));
      const fields = await whole.chunkFile({ path: 'widget.ts', language: 'typescript', text: ts });
      const split = await (await createChunker({ parser, targetTokens: 1, maxTokens: 12 })).chunkFile({ path: 'widget.ts', language: 'typescript', text: ts });
      expect(fields.map((c) => c.symbol)).toContain('Widget');
      expect(split.map((c) => c.symbol)).toContain('Widget.handleClick');
    });

    it('JS: a function too big for one chunk keeps its JSDoc with its head, and every piece its name', async () => {
      const small = await createChunker({ parser, targetTokens: 100, maxTokens: 100 });
      const chunks = await small.chunkFile({ path: 'router.js', language: 'javascript', text: js });
      expectValidChunks(js, chunks, 100);
      const head = chunks.find((c) => c.content.includes('proto.param = function param'))!;
      expect(head.startLine).toBe(lineOf(js, '/**'));
      const pieces = chunks.filter((c) => c.startLine >= lineOf(js, '/**') && c.endLine <= lineOf(js, '};'));
      expect(pieces.length).toBeGreaterThan(1);
      for (const c of pieces) expect(c.symbol, `${c.startLine}-${c.endLine}`).toBe('proto.param');
    });

    it('Rust: `///` doc comments and `#[…]` attributes stay with the function, whole or split', async () => {
      const whole = await createChunker({ parser, targetTokens: 1, maxTokens: 10_000 });
      const top = await whole.chunkFile({ path: 'lib.rs', language: 'rust', text: rust });
      expect(top.map((c) => [c.symbol, c.startLine])).toContainEqual(['parse_header', lineOf(rust, '/// Parses')]);
      const small = await createChunker({ parser, targetTokens: 100, maxTokens: 100 });
      const chunks = await small.chunkFile({ path: 'lib.rs', language: 'rust', text: rust });
      expectValidChunks(rust, chunks, 100);
      const head = chunks.find((c) => c.content.includes('pub fn parse_header'))!;
      expect(head.startLine).toBe(lineOf(rust, '/// Parses'));
      for (const c of chunks.filter((c) => c.startLine >= lineOf(rust, '/// Parses'))) expect(c.symbol).toBe('parse_header');
    });
  });

  describe('definitions merged into one chunk', () => {
    it('are listed with their lines when a chunk holds more than one', async () => {
      const text = 'class InvalidHeader(ValueError):\n    """The header is invalid."""\n\n\nclass RetryError(Exception):\n    """Retries ran out."""\n\n\ndef urldefragauth(url):\n    return url\n';
      const chunker = await createChunker({ parser, targetTokens: 512, maxTokens: 512 });
      const chunks = await chunker.chunkFile({ path: 'exceptions.py', language: 'python', text });
      expect(chunks).toHaveLength(1);
      expect(chunks[0]!.symbol).toBe('InvalidHeader');
      expect(chunks[0]!.definitions).toEqual([
        { symbol: 'InvalidHeader', startLine: 1, endLine: 4 },
        { symbol: 'RetryError', startLine: 5, endLine: 8 },
        { symbol: 'urldefragauth', startLine: 9, endLine: 10 },
      ]);
      // One definition is the chunk's symbol already: nothing more is stored.
      const one = await chunker.chunkFile({ path: 'one.py', language: 'python', text: 'def only():\n    return 1\n' });
      expect(one[0]!.definitions).toBeUndefined();
    });

    it('list the definitions inside one kept whole (a small class\'s methods), and where a split one starts', async () => {
      const small = 'class Session:\n    def request(self):\n        return 1\n\n    @staticmethod\n    def send(r):\n        return r\n';
      const chunker = await createChunker({ parser, targetTokens: 512, maxTokens: 512 });
      expect((await chunker.chunkFile({ path: 's.py', language: 'python', text: small }))[0]!.definitions).toEqual([
        { symbol: 'Session', startLine: 1, endLine: 7 },
        { symbol: 'Session.request', startLine: 2, endLine: 3 },
        { symbol: 'Session.send', startLine: 5, endLine: 7 },
      ]);
      // A method too big for one chunk, after a class attribute it is merged with: its name and
      // def line are recorded in the chunk that holds that line, whatever that chunk is called.
      const body = Array.from({ length: 60 }, (_, i) => `        value_${i} = compute(${i}, self.other)`).join('\n');
      const big = `class Provider:\n    mimetype = "application/json"\n\n    def dumps(self, obj):\n${body}\n        return value_0\n`;
      const chunks = await (await createChunker({ parser, targetTokens: 120, maxTokens: 120 })).chunkFile({ path: 'p.py', language: 'python', text: big });
      const holder = chunks.find((c) => c.startLine <= 4 && 4 <= c.endLine)!;
      expect(holder.definitions).toEqual(expect.arrayContaining([{ symbol: 'Provider.dumps', startLine: 4, endLine: 65 }]));
    });
  });

  describe('every line is covered (real files)', () => {
    const files = [
      'undici/lib/dispatcher/client-h1.js',
      'undici/lib/web/fetch/index.js',
      'undici/lib/handler/cache-handler.js',
      'undici/lib/core/util.js',
      'zod/v4/core/util.js',
      'zod/v4/classic/schemas.js',
      'zod/src/v4/core/checks.ts',
      'zod/src/v4/core/api.ts',
      'zod/README.md',
    ];
    for (const [target, max] of [[512, 512], [64, 64], [256, 8192]] as const) {
      it(`target ${target}, max ${max}`, async () => {
        const chunker = await createChunker({ parser, targetTokens: target, maxTokens: max });
        for (const file of files) {
          const text = readFileSync(join(NODE_MODULES, file), 'utf8');
          const chunks = await chunker.chunkFile({ path: file, language: languageForPath(file), text });
          expectValidChunks(text, chunks, max);
          if (languageForPath(file) !== 'markdown') expect(chunks.some((c) => c.symbol !== null), file).toBe(true);
        }
      });
    }

    it('gives no chunks for an empty or blank-only file, and one for a one-liner without a final newline', async () => {
      const chunker = await createChunker({ parser, targetTokens: 512, maxTokens: 512 });
      expect(await chunker.chunkFile({ path: 'a.ts', language: 'typescript', text: '' })).toEqual([]);
      expect(await chunker.chunkFile({ path: 'a.ts', language: 'typescript', text: '\n  \n\t\n' })).toEqual([]);
      const one = await chunker.chunkFile({ path: 'a.ts', language: 'typescript', text: 'let x = 1' });
      expect(one).toHaveLength(1);
      expect(one[0]).toMatchObject({ startLine: 1, endLine: 1, content: 'let x = 1', path: 'a.ts', language: 'typescript' });
    });
  });

  describe('oversized input never exceeds maxTokens', () => {
    let chunker: Chunker;
    beforeAll(async () => {
      chunker = await createChunker({ parser, targetTokens: 100, maxTokens: 100 });
    });

    it('splits a huge function into pieces within the cap', async () => {
      const body = Array.from({ length: 3000 }, (_, i) => `  const v${i} = compute(${i}, "${'x'.repeat(i % 40)}");`).join('\n');
      const text = `import { compute } from './c';\n\nexport function huge() {\n${body}\n  return 0;\n}\n`;
      const chunks = await chunker.chunkFile({ path: 'huge.ts', language: 'typescript', text });
      expectValidChunks(text, chunks, 100);
      expect(chunks.length).toBeGreaterThan(100);
      expect(chunks.filter((c) => c.symbol === 'huge').length).toBeGreaterThan(100);
    });

    for (const language of ['javascript', 'text']) {
      it(`splits a giant single line within itself (${language})`, async () => {
        const line = Array.from({ length: 20_000 }, (_, i) => `a${i}=b(${i});`).join('');
        const text = `// minified\n${line}\n`;
        const chunks = await chunker.chunkFile({ path: 'min.js', language, text });
        expectValidChunks(text, chunks, 100);
        expect(joinPieces(chunks, 2)).toBe(line);
      });
    }

    it('never cuts a surrogate pair, and caps tokens for non-ASCII text', async () => {
      const line = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? '😀' : i % 3 === 1 ? '日本' : `é${i}`)).join('');
      const chunks = await chunker.chunkFile({ path: 'u.txt', language: 'text', text: line });
      expectValidChunks(line, chunks, 100);
      for (const c of chunks) expect((c.content as unknown as { isWellFormed(): boolean }).isWellFormed()).toBe(true);
      expect(joinPieces(chunks, 1)).toBe(line);
    });

    it('splits a giant string literal inside a parsed file by lines', async () => {
      const text = 'const big = `\n' + Array.from({ length: 2000 }, (_, i) => `line ${i} of text`).join('\n') + '\n`;\n';
      const chunks = await chunker.chunkFile({ path: 's.ts', language: 'typescript', text });
      expectValidChunks(text, chunks, 100);
    });

    // How fast is bench/parser-bench.mjs's to say; this holds what a 1 MB file must give.
    it('chunks a 1 MB file into valid chunks', async () => {
      const source = readFileSync(join(NODE_MODULES, 'undici/lib/dispatcher/client-h1.js'), 'utf8');
      const text = source.repeat(Math.ceil(1_048_576 / source.length));
      const big = await createChunker({ parser, targetTokens: 512, maxTokens: 512 });
      const chunks = await big.chunkFile({ path: 'big.js', language: 'javascript', text });
      expectValidChunks(text, chunks, 512);
      expect(chunks.length).toBeGreaterThan(100);
    });
  });

  describe('fallback to line windows', () => {
    let grammarless: string;
    beforeAll(() => {
      grammarless = mkdtempSync(join(tmpdir(), 'cw-no-grammars-'));
    });
    afterAll(() => rmSync(grammarless, { recursive: true, force: true }));

    const prose = Array.from({ length: 200 }, (_, i) => `Line ${i}: this is plain prose, not code at all; it should not parse as TypeScript ${'!'.repeat(i % 7)} ))) {{`).join('\n');

    it('uses overlapping line windows for text', async () => {
      const chunker = await createChunker({ parser, targetTokens: 200, maxTokens: 200, overlapLines: 3 });
      const chunks = await chunker.chunkFile({ path: 'notes.txt', language: 'text', text: prose });
      expectValidChunks(prose, chunks, 200);
      expect(chunks.length).toBeGreaterThan(5);
      for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.startLine).toBe(chunks[i - 1]!.endLine - 2);
      expect(chunks.every((c) => c.symbol === null)).toBe(true);
    });

    it('falls back when the input does not parse as its language', async () => {
      const chunker = await createChunker({ parser, targetTokens: 200, maxTokens: 200 });
      const asTs = await chunker.chunkFile({ path: 'x.ts', language: 'typescript', text: prose });
      const asText = await chunker.chunkFile({ path: 'x.ts', language: 'text', text: prose });
      expectValidChunks(prose, asTs, 200);
      expect(asTs.map((c) => [c.startLine, c.endLine, c.content])).toEqual(asText.map((c) => [c.startLine, c.endLine, c.content]));
    });

    it('falls back when a grammar cannot be loaded, and keeps working', async () => {
      // A grammar package without its addon or its .wasm: neither back end loads it.
      const chunker = await createChunker({ parser, targetTokens: 200, maxTokens: 200, grammarRoots: { typescript: grammarless } });
      const text = readFileSync(join(FIXTURES, 'sample.ts'), 'utf8');
      for (let attempt = 0; attempt < 2; attempt++) {
        const chunks = await chunker.chunkFile({ path: 'sample.ts', language: 'typescript', text });
        expectValidChunks(text, chunks, 200);
        expect(chunks.every((c) => c.symbol === null)).toBe(true);
      }
    });
  });

  describe('Chunker.close', () => {
    it('lets queued calls finish, then refuses new ones; closing twice is harmless', async () => {
      const chunker = await createChunker({ parser, targetTokens: 512, maxTokens: 512 });
      const queued = chunker.chunkFile({ path: 'a.ts', language: 'typescript', text: 'export function a() { return 1; }\n' });
      const closing = chunker.close();
      expect((await queued).length).toBeGreaterThan(0);
      await closing;
      await chunker.close();
      await expect(chunker.chunkFile({ path: 'b.ts', language: 'typescript', text: 'const b = 2;\n' })).rejects.toThrow(/closed/);
    });
  });
});
