/**
 * What the chunker reads of a syntax tree: the part that web-tree-sitter's nodes and the native
 * binding's (`tree-sitter`) share, so one chunking algorithm runs on either back end. Indices
 * are UTF-16 offsets into the parsed string in both.
 */
export interface SyntaxNode {
  readonly type: string;
  readonly isNamed: boolean;
  readonly childCount: number;
  readonly children: ReadonlyArray<SyntaxNode | null>;
  readonly namedChildren: ReadonlyArray<SyntaxNode | null>;
  readonly text: string;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly startPosition: { readonly row: number; readonly column: number };
  readonly endPosition: { readonly row: number; readonly column: number };
  childForFieldName(name: string): SyntaxNode | null;
}

export interface SyntaxTree {
  readonly rootNode: SyntaxNode;
  /** Frees the tree now (WASM); a native tree is freed by the garbage collector. */
  delete(): void;
}

export type ParserBackend = 'native' | 'wasm';

/** A parser for one language, on one back end. */
export interface LanguageParser {
  readonly backend: ParserBackend;
  /** The tree of `text`, or null when the parser gave none. */
  parse(text: string): SyntaxTree | null;
}
