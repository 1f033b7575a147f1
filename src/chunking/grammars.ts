import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Language, Parser } from 'web-tree-sitter';

/** Our language names → tree-sitter-wasms grammar file names. */
const GRAMMAR_FILES: Readonly<Record<string, string>> = {
  typescript: 'tree-sitter-typescript.wasm',
  tsx: 'tree-sitter-tsx.wasm',
  javascript: 'tree-sitter-javascript.wasm',
  python: 'tree-sitter-python.wasm',
  go: 'tree-sitter-go.wasm',
  rust: 'tree-sitter-rust.wasm',
  java: 'tree-sitter-java.wasm',
  c: 'tree-sitter-c.wasm',
  cpp: 'tree-sitter-cpp.wasm',
  csharp: 'tree-sitter-c_sharp.wasm',
  ruby: 'tree-sitter-ruby.wasm',
  php: 'tree-sitter-php.wasm',
  kotlin: 'tree-sitter-kotlin.wasm',
  scala: 'tree-sitter-scala.wasm',
  swift: 'tree-sitter-swift.wasm',
  lua: 'tree-sitter-lua.wasm',
  dart: 'tree-sitter-dart.wasm',
  bash: 'tree-sitter-bash.wasm',
};

export function hasGrammar(language: string): boolean {
  return language in GRAMMAR_FILES;
}

/** Where tree-sitter-wasms keeps its grammars, resolved from this module, not from the cwd. */
export function defaultGrammarDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('tree-sitter-wasms/package.json')), 'out');
}

/**
 * web-tree-sitter's runtime is one WASM module per process, so it is initialised once here
 * however many chunkers are created.
 */
let runtime: Promise<void> | null = null;
export function initTreeSitter(): Promise<void> {
  runtime ??= Parser.init().catch((err: unknown) => {
    runtime = null; // let a later chunker retry
    throw err;
  });
  return runtime;
}

/**
 * Grammars loaded on first use and kept for the chunker's life. A grammar that fails to load
 * is remembered as null: its files fall back to line windows instead of failing each time.
 */
export class GrammarCache {
  readonly #dir: string;
  readonly #loaded = new Map<string, Promise<Language | null>>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  get(language: string): Promise<Language | null> {
    const file = GRAMMAR_FILES[language];
    if (!file) return Promise.resolve(null);
    let grammar = this.#loaded.get(language);
    if (!grammar) {
      grammar = Language.load(join(this.#dir, file)).catch(() => null);
      this.#loaded.set(language, grammar);
    }
    return grammar;
  }
}
