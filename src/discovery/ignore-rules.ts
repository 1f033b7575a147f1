import ignore, { type Ignore } from 'ignore';

/**
 * .gitignore-syntax rules, as git applies them across a tree.
 *
 * Each directory that has a .gitignore or .cwignore adds a layer whose patterns are relative
 * to that directory. A path is decided by the deepest layer with a matching rule (within a
 * layer the last matching rule wins, so `!pattern` re-includes); a layer with no matching rule
 * defers to its parent. The walker never enters an ignored directory, which is also git's rule
 * that a file inside an excluded directory cannot be re-included.
 */

/** The `ignore` package caches every path it has tested, forever; rebuild after this many tests to keep memory flat. */
const TESTS_BEFORE_REBUILD = 4096;

export type RuleVerdict = 'ignored' | 'unignored' | 'none';

/** One set of patterns, matched against paths relative to the directory they belong to. */
export class RuleSet {
  readonly #patterns: readonly string[];
  #matcher: Ignore;
  #tests = 0;

  constructor(patterns: readonly string[]) {
    this.#patterns = patterns;
    this.#matcher = ignore().add(patterns);
  }

  get isEmpty(): boolean {
    return this.#patterns.length === 0;
  }

  /** `relPath` uses forward slashes; a directory ends with '/'. */
  test(relPath: string): RuleVerdict {
    if (++this.#tests > TESTS_BEFORE_REBUILD) {
      this.#matcher = ignore().add(this.#patterns);
      this.#tests = 0;
    }
    const r = this.#matcher.test(relPath);
    return r.ignored ? 'ignored' : r.unignored ? 'unignored' : 'none';
  }
}

/** Splits an ignore file into patterns; blank lines and comments are dropped by `ignore` itself. */
export function parseIgnoreFile(content: string): string[] {
  return content.split(/\r?\n/);
}

interface Layer {
  /** Repo-relative directory of the rules, '' for the root, else ending with '/'. */
  base: string;
  rules: RuleSet;
}

/** An immutable stack of layers: a child directory gets `withLayer(...)`, its siblings keep the parent's. */
export class IgnoreStack {
  static readonly EMPTY = new IgnoreStack([]);
  readonly #layers: readonly Layer[];

  private constructor(layers: readonly Layer[]) {
    this.#layers = layers;
  }

  withLayer(base: string, patterns: readonly string[]): IgnoreStack {
    if (patterns.every((p) => p.trim() === '' || p.startsWith('#'))) return this;
    return new IgnoreStack([...this.#layers, { base, rules: new RuleSet(patterns) }]);
  }

  /** `path` is repo-relative with forward slashes, and inside every layer's base. */
  ignores(path: string, isDir: boolean): boolean {
    for (let i = this.#layers.length - 1; i >= 0; i--) {
      const layer = this.#layers[i]!;
      const verdict = layer.rules.test(path.slice(layer.base.length) + (isDir ? '/' : ''));
      if (verdict !== 'none') return verdict === 'ignored';
    }
    return false;
  }
}
