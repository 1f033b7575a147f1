import { createRequire } from 'node:module';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { LanguageParser, SyntaxNode, SyntaxTree } from './syntax.js';

// The native binding and the grammar packages are CommonJS addons, loaded with require (also
// from the bundle: esbuild leaves a created require alone) and only when a file needs them.
const require = createRequire(import.meta.url);

/** The part of the `tree-sitter` binding's Parser and nodes we use. */
interface BindingParser {
  setLanguage(language: unknown): void;
  parse(input: string): { readonly rootNode: BindingNode } | null;
}

interface BindingNode {
  readonly typeId: number;
  readonly type: string;
  readonly isNamed: boolean;
  readonly childCount: number;
  readonly children: BindingNode[];
  readonly namedChildren: BindingNode[];
  readonly text: string;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly startPosition: { row: number; column: number };
  readonly endPosition: { row: number; column: number };
  childForFieldName(name: string): BindingNode | null;
}

/**
 * A binding node whose properties are read once. Each property of the binding's nodes is a call
 * into the addon, and the chunker reads `type` and the positions of a node several times. The
 * type is read by its number, named once per grammar. Chunking took 3-7% less time than on the
 * binding's own nodes (bench/README.md, "Parsing").
 */
class NativeNode implements SyntaxNode {
  readonly #node: BindingNode;
  readonly #names: string[];
  #type: string | undefined;
  #isNamed: boolean | undefined;
  #childCount: number | undefined;
  #children: NativeNode[] | undefined;
  #startIndex: number | undefined;
  #endIndex: number | undefined;
  #startPosition: { row: number; column: number } | undefined;
  #endPosition: { row: number; column: number } | undefined;

  constructor(node: BindingNode, names: string[]) {
    this.#node = node;
    this.#names = names;
  }

  get type(): string {
    if (this.#type === undefined) {
      const id = this.#node.typeId;
      this.#type = this.#names[id] ??= this.#node.type;
    }
    return this.#type;
  }
  get isNamed(): boolean {
    return (this.#isNamed ??= this.#node.isNamed);
  }
  get childCount(): number {
    return (this.#childCount ??= this.#node.childCount);
  }
  get children(): readonly NativeNode[] {
    return (this.#children ??= this.#wrap(this.#node.children));
  }
  get namedChildren(): readonly NativeNode[] {
    return this.#wrap(this.#node.namedChildren);
  }
  get text(): string {
    return this.#node.text;
  }
  get startIndex(): number {
    return (this.#startIndex ??= this.#node.startIndex);
  }
  get endIndex(): number {
    return (this.#endIndex ??= this.#node.endIndex);
  }
  get startPosition(): { row: number; column: number } {
    return (this.#startPosition ??= this.#node.startPosition);
  }
  get endPosition(): { row: number; column: number } {
    return (this.#endPosition ??= this.#node.endPosition);
  }
  childForFieldName(name: string): NativeNode | null {
    const child = this.#node.childForFieldName(name);
    return child && new NativeNode(child, this.#names);
  }

  #wrap(nodes: BindingNode[]): NativeNode[] {
    return nodes.map((n) => new NativeNode(n, this.#names));
  }
}

/**
 * The binding frees a tree only when the garbage collector collects its wrapper, and V8 cannot
 * see a tree's size (~14 bytes per parsed character): by its own measure little needs collecting
 * while trees pile up (a lexical run of 20,808 files peaked at 375 MB against 307 MB on WASM; a
 * loop that never yielded to the event loop, which runs the finalizers, reached 3 GB). So the
 * parser asks for a collection every this many parsed characters: at most ~110 MB of trees
 * wait. Measured on that run (bench/parser-bench.mjs): every 4 M characters 277 MB and 3% slower
 * than every 16 M, which peaked at 270 MB; every 64 M, 336 MB.
 */
const COLLECT_AFTER_CHARS = 8 * 1024 * 1024;

/**
 * V8's `gc`, made available at run time as jest does (a new context gets it once the flag is
 * set), on the first native parse: a run on WASM alone never sets the flag.
 */
let gc: ((options?: object) => void) | null | undefined;
function collectGarbage(): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const fn: unknown = runInNewContext('gc');
      gc = typeof fn === 'function' ? (fn as (options?: object) => void) : null;
    } catch {
      gc = null;
    }
  }
  // Incremental: marking runs in steps between tasks, and the collection finishes later.
  gc?.({ type: 'major', execution: 'async' });
}

/** An opaque language object exported by a grammar package's native addon. */
type NativeGrammar = { readonly __nativeGrammar: unique symbol };

/**
 * The `tree-sitter` binding's parser, shared by the languages of one chunker. Its trees have no
 * `delete()`: the garbage collector frees them, after the chunker has dropped every node.
 */
export class NativeParser {
  readonly #parser: BindingParser;
  #current: NativeGrammar | null = null;
  #parsedSinceCollect = 0;

  private constructor(parser: BindingParser) {
    this.#parser = parser;
  }

  /** The binding's parser, or null where its addon does not load (no prebuilt binary, an old libc). */
  static create(): NativeParser | null {
    try {
      const Parser = require('tree-sitter') as new () => BindingParser;
      return new NativeParser(new Parser());
    } catch {
      return null;
    }
  }

  /** Sets the language, which checks that the grammar's ABI is one the binding reads (throws if not). */
  #use(grammar: NativeGrammar): void {
    if (this.#current === grammar) return;
    this.#current = null;
    this.#parser.setLanguage(grammar);
    this.#current = grammar;
  }

  #grammarAt(root: string, key?: string): NativeGrammar | null {
    try {
      const exports = require(root) as Record<string, unknown>;
      const grammar = (key ? exports[key] : exports) as NativeGrammar | undefined;
      if (!grammar) return null;
      this.#use(grammar);
      return grammar;
    } catch {
      return null;
    }
  }

  /**
   * The parser of the grammar package at `root` (its export `key`, if it has several), or null
   * when its addon does not load or the binding cannot read it.
   */
  parserFor(root: string, key?: string): LanguageParser | null {
    const grammar = this.#grammarAt(root, key);
    if (!grammar) return null;
    const names: string[] = []; // node type names by number, for this grammar
    return {
      backend: 'native',
      parse: (text: string): SyntaxTree | null => {
        this.#use(grammar);
        this.#parsedSinceCollect += text.length;
        if (this.#parsedSinceCollect > COLLECT_AFTER_CHARS) {
          this.#parsedSinceCollect = 0;
          collectGarbage();
        }
        const tree = this.#parser.parse(text);
        return tree && { rootNode: new NativeNode(tree.rootNode, names), delete() {} };
      },
    };
  }
}
