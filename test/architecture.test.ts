/**
 * The layers README's "How it is built" names, held: nothing in src/ imports a layer above its
 * own (type-only imports included), and no module imports itself through others.
 *   base (errors, ids, redact, …) → config → http, discovery, chunking → store, embedding, rerank
 *   → pipeline → session → watch, mcp → cli
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '..', 'src');
const RANK: Record<string, number> = { base: 0, config: 1, http: 2, discovery: 2, chunking: 2, store: 3, embedding: 3, rerank: 3, pipeline: 4, session: 5, watch: 6, mcp: 6, cli: 7 };

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

const layerOf = (file: string): string => {
  const parts = path.relative(SRC, file).split(path.sep);
  return parts.length === 1 ? 'base' : parts[0]!;
};

/** Each module's relative imports (static, re-exports and dynamic import()), as source files. */
const graph = new Map(
  sources(SRC).map((file) => {
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g)].map((m) => m[1] ?? m[2]!);
    return [file, specs.map((s) => path.resolve(path.dirname(file), s).replace(/\.js$/, '.ts'))];
  }),
);

describe('the source tree', () => {
  it('has every directory in a known layer', () => {
    for (const file of graph.keys()) expect(RANK[layerOf(file)], path.relative(SRC, file)).toBeDefined();
  });

  it('imports no layer above its own, nor a sibling layer', () => {
    const wrong: string[] = [];
    for (const [file, deps] of graph) {
      for (const dep of deps) {
        const from = layerOf(file);
        const to = layerOf(dep);
        if (RANK[to]! > RANK[from]! || (RANK[to] === RANK[from] && to !== from)) wrong.push(`${path.relative(SRC, file)} -> ${path.relative(SRC, dep)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('has no import cycle', () => {
    // Tarjan's strongly connected components: any with more than one module is a cycle.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    let next = 0;
    const visit = (v: string): void => {
      index.set(v, next);
      low.set(v, next++);
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!graph.has(w)) continue;
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(path.relative(SRC, w));
        } while (w !== v);
        if (component.length > 1) cycles.push(component.sort());
      }
    };
    for (const v of graph.keys()) if (!index.has(v)) visit(v);
    expect(cycles).toEqual([]);
  });
});
