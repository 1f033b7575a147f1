import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { NativeParser } from './native-parser.js';
import type { LanguageParser, ParserBackend } from './syntax.js';
import { loadWasmGrammar, WasmParser } from './wasm-parser.js';

/**
 * A grammar package ships one version of its grammar twice: a native addon with prebuilt
 * binaries (linux, macOS and Windows, x64 and arm64) and a .wasm build. Native parses in 0.55x
 * the time of WASM as cw runs it (bench/README.md, "Parsing"); WASM loads anywhere.
 * Both give the same tree for the same text, so a file's chunks do not depend on which of the
 * two a machine could load (test/chunking/backends.test.ts).
 */
interface PackagedGrammar {
  readonly pkg: string;
  /** The export holding the language, for packages with several (typescript/tsx, php). */
  readonly key?: string;
  /**
   * The .wasm file in the package's root. tree-sitter-wasms has an older build of the grammar
   * under the same name, for a machine where the package is missing: the packages are optional
   * dependencies, and npm leaves one out where its install script fails (in a project that
   * installs cw and lets it run: it compiles when no prebuilt binary loads). Its chunks may
   * differ a little from the package's.
   */
  readonly wasm: string;
}

/** Our language names → grammar packages (versions pinned in package.json). */
const PACKAGED: Readonly<Record<string, PackagedGrammar>> = {
  typescript: { pkg: 'tree-sitter-typescript', key: 'typescript', wasm: 'tree-sitter-typescript.wasm' },
  tsx: { pkg: 'tree-sitter-typescript', key: 'tsx', wasm: 'tree-sitter-tsx.wasm' },
  javascript: { pkg: 'tree-sitter-javascript', wasm: 'tree-sitter-javascript.wasm' },
  python: { pkg: 'tree-sitter-python', wasm: 'tree-sitter-python.wasm' },
  go: { pkg: 'tree-sitter-go', wasm: 'tree-sitter-go.wasm' },
  rust: { pkg: 'tree-sitter-rust', wasm: 'tree-sitter-rust.wasm' },
  java: { pkg: 'tree-sitter-java', wasm: 'tree-sitter-java.wasm' },
  c: { pkg: 'tree-sitter-c', wasm: 'tree-sitter-c.wasm' },
  cpp: { pkg: 'tree-sitter-cpp', wasm: 'tree-sitter-cpp.wasm' },
  csharp: { pkg: 'tree-sitter-c-sharp', wasm: 'tree-sitter-c_sharp.wasm' },
  ruby: { pkg: 'tree-sitter-ruby', wasm: 'tree-sitter-ruby.wasm' },
  php: { pkg: 'tree-sitter-php', key: 'php', wasm: 'tree-sitter-php.wasm' },
  bash: { pkg: 'tree-sitter-bash', wasm: 'tree-sitter-bash.wasm' },
};

/**
 * Languages whose grammar packages have no prebuilt native binaries at a version the binding
 * loads: WASM only, from tree-sitter-wasms.
 */
const WASM_ONLY: Readonly<Record<string, string>> = {
  kotlin: 'tree-sitter-kotlin.wasm',
  scala: 'tree-sitter-scala.wasm',
  swift: 'tree-sitter-swift.wasm',
  lua: 'tree-sitter-lua.wasm',
  dart: 'tree-sitter-dart.wasm',
};

/** indexing.parser: `auto` is native where it loads, WASM where it does not; `wasm` never loads native code. */
export type ParserChoice = 'auto' | 'wasm';

export interface GrammarOptions {
  parser?: ParserChoice;
  /** Where tree-sitter-wasms' grammars are (the WASM-only languages, and the fallbacks); defaults to its own. */
  grammarDir?: string;
  /**
   * Grammar package directories by language, instead of those resolved from codeweaver's
   * dependencies: how tests give a language a package whose native addon fails to load, or a
   * package that is not there (a path that does not exist).
   */
  grammarRoots?: Readonly<Record<string, string>>;
}

/** Languages with a native grammar (where it loads), and the same grammar in WASM where not. */
export const PACKAGED_LANGUAGES: readonly string[] = Object.keys(PACKAGED);

export function hasGrammar(language: string): boolean {
  return language in PACKAGED || language in WASM_ONLY;
}

const require = createRequire(import.meta.url);

function packageRoot(pkg: string): string {
  return dirname(require.resolve(`${pkg}/package.json`));
}

function installedRoot(pkg: string): string | null {
  try {
    return packageRoot(pkg);
  } catch {
    return null;
  }
}

/**
 * The parsers of one chunker, per language, made on first use and kept for its life. Each
 * language falls back on its own: a native grammar that fails to load leaves its language to
 * WASM and the others native. A language whose grammar loads on neither is remembered as null:
 * its files fall back to line windows instead of failing each time.
 */
export class Grammars {
  readonly #choice: ParserChoice;
  readonly #grammarDir: string | undefined;
  readonly #roots: Readonly<Record<string, string>>;
  readonly #loaded = new Map<string, Promise<LanguageParser | null>>();
  readonly #backends = new Map<string, ParserBackend>();
  // One parser per back end, shared by its languages (one file is parsed at a time).
  #native: NativeParser | null | undefined;
  #wasm: Promise<WasmParser> | undefined;

  constructor(options: GrammarOptions = {}) {
    this.#choice = options.parser ?? 'auto';
    this.#grammarDir = options.grammarDir;
    this.#roots = options.grammarRoots ?? {};
  }

  get(language: string): Promise<LanguageParser | null> {
    let parser = this.#loaded.get(language);
    if (!parser) {
      parser = this.#load(language).then((p) => {
        if (p) this.#backends.set(language, p.backend);
        return p;
      });
      this.#loaded.set(language, parser);
    }
    return parser;
  }

  /** Which back end parses `language`, once its grammar is loaded (null: none, or not yet). */
  backendOf(language: string): ParserBackend | null {
    return this.#backends.get(language) ?? null;
  }

  close(): void {
    void this.#wasm?.then((p) => p.delete(), () => {});
  }

  async #load(language: string): Promise<LanguageParser | null> {
    const packaged = PACKAGED[language];
    if (packaged) {
      const root = this.#roots[language] ?? installedRoot(packaged.pkg);
      if (root === null || !existsSync(root)) return this.#wasmGrammar(join(this.#wasmsDir(), packaged.wasm));
      const native = this.#choice === 'auto' ? this.#nativeParser()?.parserFor(root, packaged.key) : null;
      if (native) return native;
      return this.#wasmGrammar(join(root, packaged.wasm));
    }
    const file = WASM_ONLY[language];
    if (!file) return null;
    return this.#wasmGrammar(join(this.#wasmsDir(), file));
  }

  #wasmsDir(): string {
    return this.#grammarDir ?? join(packageRoot('tree-sitter-wasms'), 'out');
  }

  #nativeParser(): NativeParser | null {
    if (this.#native === undefined) this.#native = NativeParser.create();
    return this.#native;
  }

  async #wasmGrammar(file: string): Promise<LanguageParser | null> {
    try {
      this.#wasm ??= WasmParser.create();
      const parser = await this.#wasm;
      return parser.forLanguage(await loadWasmGrammar(file));
    } catch {
      return null;
    }
  }
}
