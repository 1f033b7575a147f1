import { chunkId, sha256Hex, type Chunk } from './chunk.js';
import { astUnits } from './ast-units.js';
import { Grammars, hasGrammar, type GrammarOptions } from './grammars.js';
import { LineIndex, lineWindows, type Unit } from './lines.js';
import { estimateTokens } from './tokens.js';
import { chunkerSignature } from './signature.js';
import type { LanguageParser, ParserBackend, SyntaxTree } from './syntax.js';
import type { Chunker, ChunkerOptions } from './contract.js';

export { chunkerSignature };

export type { Chunker, ChunkerOptions } from './contract.js';

/**
 * A top-level ERROR node spanning more than this share of a file means the grammar could not
 * make sense of it (wrong language, a template, garbage): its "structure" would be noise.
 */
const MAX_ERROR_SHARE = 0.5;

/** A chunker in this thread, which can always say which back end parsed a language. */
export interface TreeChunker extends Chunker {
  backendOf(language: string): ParserBackend | null;
}

export async function createChunker(options: ChunkerOptions): Promise<TreeChunker> {
  if (!(options.maxTokens >= 1) || !(options.targetTokens >= 1)) {
    throw new RangeError('createChunker: targetTokens and maxTokens must be at least 1');
  }
  return new TreeSitterChunker(options, new Grammars(options));
}

class TreeSitterChunker implements TreeChunker {
  readonly #maxTokens: number;
  readonly #limit: number;
  readonly #overlap: number;
  readonly #grammars: Grammars;
  readonly signature: string;

  constructor(options: ChunkerOptions, grammars: Grammars) {
    this.#maxTokens = Math.floor(options.maxTokens);
    this.#limit = Math.min(Math.floor(options.targetTokens), this.#maxTokens);
    this.#overlap = Math.max(0, options.overlapLines ?? 2);
    this.#grammars = grammars;
    this.signature = chunkerSignature(options);
  }

  /** Calls run one at a time, as if sequential: they share one parser and the grammar loader. */
  #queue: Promise<unknown> = Promise.resolve();

  #closed = false;

  chunkFile(file: { path: string; language: string; text: string }): Promise<Chunk[]> {
    if (this.#closed) return Promise.reject(new Error('chunker closed'));
    const run = this.#queue.then(() => this.#chunkFile(file));
    this.#queue = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue; // calls already queued finish first
    this.#grammars.close();
  }

  backendOf(language: string): ParserBackend | null {
    return this.#grammars.backendOf(language);
  }

  async #chunkFile(file: { path: string; language: string; text: string }): Promise<Chunk[]> {
    if (file.text.trim() === '') return [];
    const lines = new LineIndex(file.text);
    const grammar = hasGrammar(file.language) ? await this.#grammars.get(file.language) : null;
    const units = (grammar && this.#astUnits(lines, grammar)) ?? this.#lineUnits(lines);
    // Pieces of one over-long line can repeat exactly (same line, same text, same id): keep one.
    const seen = new Set<string>();
    return units
      .map((u) => toChunk(file, lines, u))
      .filter((c) => !seen.has(c.id) && seen.add(c.id));
  }

  /** Units following the syntax tree, or null when the file does not parse into one. */
  #astUnits(lines: LineIndex, parser: LanguageParser): Unit[] | null {
    let tree: SyntaxTree | null = null;
    try {
      tree = parser.parse(lines.text);
      if (!tree) return null;
      const root = tree.rootNode;
      const children = root.children.filter((c) => c !== null);
      let errorLines = 0;
      for (const c of children) if (c.type === 'ERROR') errorLines += c.endPosition.row - c.startPosition.row + 1;
      if (root.type === 'ERROR' || errorLines > lines.count * MAX_ERROR_SHARE) return null;
      const out: Unit[] = [];
      const limits = { maxTokens: this.#maxTokens, limit: this.#limit, overlap: this.#overlap };
      astUnits(lines, children, 0, lines.count - 1, null, limits, out);
      return out;
    } catch {
      return null; // a grammar bug must not lose the file: line windows still cover it
    } finally {
      tree?.delete();
    }
  }

  #lineUnits(lines: LineIndex): Unit[] {
    const out: Unit[] = [];
    lineWindows(lines, 0, lines.count - 1, { limit: this.#limit, maxTokens: this.#maxTokens, overlap: this.#overlap, symbol: null }, out);
    return out;
  }
}

function toChunk(file: { path: string; language: string }, lines: LineIndex, u: Unit): Chunk {
  const content = u.slice ? lines.text.slice(u.slice.from, u.slice.to) : lines.content(u.first, u.last);
  const contentHash = sha256Hex(content);
  const startLine = u.first + 1;
  const endLine = u.last + 1;
  return {
    id: chunkId(file.path, startLine, endLine, contentHash),
    path: file.path,
    language: file.language,
    startLine,
    endLine,
    content,
    contentHash,
    symbol: u.symbol,
    tokens: u.slice ? estimateTokens(content) : lines.tokens(u.first, u.last),
    // Kept unless they say nothing the symbol does not: one definition that is the chunk itself.
    ...(u.definitions && !(u.definitions.length === 1 && u.definitions[0]!.symbol === u.symbol && u.definitions[0]!.first === u.first && u.definitions[0]!.last === u.last)
      ? { definitions: u.definitions.map((d) => ({ symbol: d.symbol, startLine: d.first + 1, endLine: d.last + 1 })) }
      : {}),
  };
}
