import type * as TreeSitter from 'web-tree-sitter';
import type { LanguageParser, SyntaxTree } from './syntax.js';

/**
 * web-tree-sitter's runtime is one WASM module per thread, initialised once however many
 * chunkers are created, and imported only when a language needs it (native grammars do not).
 */
let runtime: Promise<typeof TreeSitter> | null = null;
function treeSitter(): Promise<typeof TreeSitter> {
  runtime ??= import('web-tree-sitter')
    .then(async (ts) => {
      await ts.Parser.init();
      return ts;
    })
    .catch((err: unknown) => {
      runtime = null; // let a later chunker retry
      throw err;
    });
  return runtime;
}

export function loadWasmGrammar(file: string): Promise<TreeSitter.Language> {
  return treeSitter().then((ts) => ts.Language.load(file));
}

/** web-tree-sitter's parser, shared by the WASM languages of one chunker. */
export class WasmParser {
  readonly #parser: TreeSitter.Parser;

  private constructor(parser: TreeSitter.Parser) {
    this.#parser = parser;
  }

  static async create(): Promise<WasmParser> {
    const ts = await treeSitter();
    return new WasmParser(new ts.Parser());
  }

  forLanguage(language: TreeSitter.Language): LanguageParser {
    return {
      backend: 'wasm',
      parse: (text: string): SyntaxTree | null => {
        this.#parser.setLanguage(language);
        return this.#parser.parse(text);
      },
    };
  }

  delete(): void {
    this.#parser.delete();
  }
}
