import type { SyntaxNode as Node } from './syntax.js';
import { definitionName, isWrapper } from './definitions.js';
import { lineWindows, type LineIndex, type Unit } from './lines.js';

export interface AstLimits {
  /** A run of nodes at or under this many tokens is kept whole; a bigger one is split. */
  maxTokens: number;
  /** Neighbours that fit are merged up to this size; also the size of line windows for a leaf still too big. */
  limit: number;
  overlap: number;
}

/** A run of sibling nodes that share lines, with the lines around them that belong to it. */
interface Segment {
  first: number;
  last: number;
  nodes: Node[];
}

/**
 * Units that cover lines first..last exactly once, in order, following the syntax tree:
 * each run of line-sharing siblings is one unit when it fits `maxTokens`; otherwise its nodes
 * are replaced by their children and split again, one level at a time, down to line windows
 * for a leaf that is still too big. Blank lines go with the unit before them; comments go
 * with the definition after them.
 *
 * Neighbours that were kept whole are merged up to `limit`, but never with the pieces of a
 * split node: a chunk then starts where a definition (or its doc comment) starts, not in the
 * middle of a class whose methods were chunked on their own.
 */
export function astUnits(
  lines: LineIndex,
  nodes: Node[],
  first: number,
  last: number,
  scope: string | null,
  limits: AstLimits,
  out: Unit[],
  carry: Unit | null = null,
): void {
  // The last unit pushed while it may still grow, and whether it holds a definition of its own.
  let open: { unit: Unit; ownDefinition: boolean } | null = carry ? { unit: carry, ownDefinition: false } : null;
  // The last unit of a node just split: only closing tokens (`}`, `end`) may join it.
  let tail: Unit | null = null;
  for (const seg of segments(nodes, first, last)) {
    if (lines.tokens(seg.first, seg.last) <= limits.maxTokens) {
      const symbol = segmentSymbol(seg.nodes, scope);
      if (tail && seg.nodes.every((n) => !n.isNamed) && lines.tokens(tail.first, seg.last) <= limits.limit) {
        tail.last = seg.last;
      } else if (open && lines.tokens(open.unit.first, seg.last) <= limits.limit) {
        open.unit.last = seg.last;
        open.unit.symbol ??= symbol.name;
        open.ownDefinition ||= symbol.isDefinition;
        if (symbol.isDefinition) (open.unit.definitions ??= []).push(...definitionsOf(seg, symbol.name!));
      } else {
        const unit: Unit = { first: seg.first, last: seg.last, symbol: symbol.name };
        if (symbol.isDefinition) unit.definitions = definitionsOf(seg, symbol.name!);
        open = { unit, ownDefinition: symbol.isDefinition };
        out.push(open.unit);
      }
      tail = null;
      continue;
    }
    // A header with no definition of its own (`class A:`, `impl X {`, `namespace N {`) opens
    // the first chunk of the node split after it, inside a node being split, rather than
    // standing alone. At the top level, a preceding sibling is not carried into a class.
    const carried = open && !open.ownDefinition && scope !== null ? open.unit : null;
    open = null;
    if (seg.first === seg.last || seg.nodes.every((n) => n.childCount === 0 || annotatesNext(n))) {
      // One line (minified code), or only leaves and comments left (a huge string or comment, a
      // long doc comment over a definition's first line): nothing structural to split on.
      lineWindows(lines, seg.first, seg.last, { ...limits, symbol: segmentSymbol(seg.nodes, scope).name }, out);
      tail = null;
      continue;
    }
    // Comments and attributes stay whole (a Rust doc comment has children of its own), so that
    // they still join the first piece of the definition after them.
    const children = seg.nodes.flatMap((n) => (n.childCount > 0 && !annotatesNext(n) ? (n.children as Node[]) : [n]));
    const firstPiece = out.length;
    astUnits(lines, children, seg.first, seg.last, innerScope(seg.nodes, scope), limits, out, carried);
    // A definition split into pieces is recorded, whole, on the piece its first line is in (which
    // may be a chunk that began before it): where it is defined, by name.
    const split = segmentSymbol(seg.nodes, scope);
    const head = carried ?? out[firstPiece];
    if (split.isDefinition && head) (head.definitions ??= []).push({ first: seg.first, last: seg.last, symbol: split.name! });
    const lastOut = out[out.length - 1];
    tail = lastOut && !lastOut.slice ? lastOut : null;
  }
}

function segments(nodes: Node[], first: number, last: number): Segment[] {
  const segs: Segment[] = [];
  for (const node of nodes) {
    if (node.startIndex === node.endIndex) continue; // MISSING nodes inserted by error recovery
    const start = Math.max(first, node.startPosition.row);
    const end = Math.min(last, endRow(node));
    const cur = segs[segs.length - 1];
    if (cur && start <= cur.last) {
      cur.last = Math.max(cur.last, end);
      cur.nodes.push(node);
    } else {
      segs.push({ first: start, last: end, nodes: [node] });
    }
  }
  // Segments of only comments and attributes join the segment after them: doc comments (JSDoc,
  // Rust `///`, Javadoc, Go) and attributes (`#[inline]`) belong to the definition they precede.
  for (let i = segs.length - 2; i >= 0; i--) {
    if (segs[i]!.nodes.every(annotatesNext)) {
      const next = segs[i + 1]!;
      segs.splice(i, 2, { first: segs[i]!.first, last: next.last, nodes: [...segs[i]!.nodes, ...next.nodes] });
    }
  }
  if (segs.length === 0) return [{ first, last, nodes: [] }];
  // Stretch to a partition of first..last: leading lines to the first, gaps to the segment before.
  segs[0]!.first = first;
  for (let i = 0; i < segs.length - 1; i++) segs[i]!.last = segs[i + 1]!.first - 1;
  segs[segs.length - 1]!.last = last;
  return segs;
}

/** The last line a node really occupies: a node ending at column 0 stopped at the previous line's newline. */
function endRow(node: Node): number {
  const end = node.endPosition;
  return end.column === 0 && end.row > node.startPosition.row ? end.row - 1 : end.row;
}

function isComment(node: Node): boolean {
  return node.type.includes('comment');
}

/**
 * A node that belongs to the definition after it: a comment, or an outer attribute (Rust
 * `#[…]`; decorators and annotations of other languages are already inside their definition).
 */
function annotatesNext(node: Node): boolean {
  return isComment(node) || node.type === 'attribute_item';
}

/**
 * A definition kept whole, and the definitions inside it (the methods of a small class), each
 * with its qualified name and lines: what the index knows by name (find_symbol) and what labels
 * a hit by the line it matched.
 */
function definitionsOf(seg: Segment, symbol: string): Array<{ first: number; last: number; symbol: string }> {
  const found = [{ first: seg.first, last: seg.last, symbol }];
  const visit = (node: Node, scope: string, depth: number): void => {
    if (depth > MAX_NESTING) return;
    for (const child of node.namedChildren) {
      if (!child) continue;
      const name = definitionName(child); // a wrapper (decorators, export) gives its definition's name
      if (name === null) {
        visit(child, scope, depth + 1);
        continue;
      }
      const qualified = qualify(scope, name);
      found.push({ first: child.startPosition.row, last: endRow(child), symbol: qualified });
      const inner = innerDefinition(child);
      if (inner) visit(inner, qualified, depth + 1);
    }
  };
  for (const node of seg.nodes) {
    const inner = definitionName(node) === null ? null : innerDefinition(node);
    if (inner) visit(inner, symbol, 0);
  }
  return found;
}

/** The definition node itself: the node, or inside a wrapper (export, decorators) the one it wraps. */
function innerDefinition(node: Node): Node | null {
  if (!isWrapper(node)) return node;
  return node.namedChildren.find((c): c is Node => c !== null && !isWrapper(c) && definitionName(c) !== null) ?? null;
}

/** How deep below a definition its inner definitions are looked for (a body's blocks, a class's members). */
const MAX_NESTING = 8;

/** The first definition's qualified name, else the enclosing scope. */
function segmentSymbol(nodes: Node[], scope: string | null): { name: string | null; isDefinition: boolean } {
  for (const node of nodes) {
    const name = definitionName(node);
    if (name !== null) return { name: qualify(scope, name), isDefinition: true };
  }
  return { name: scope, isDefinition: false };
}

function innerScope(nodes: Node[], scope: string | null): string | null {
  for (const node of nodes) {
    if (isWrapper(node)) continue;
    const name = definitionName(node);
    if (name !== null) return qualify(scope, name);
  }
  return scope;
}

function qualify(scope: string | null, name: string): string {
  return scope === null ? name : `${scope}.${name}`;
}
