import { RuleSet } from './ignore-rules.js';

/**
 * The `--include`/`--exclude` of one run: they narrow what this run looks at, never what the
 * index holds. Files outside the filter are neither indexed nor removed (the index's scope is
 * what the configuration, .gitignore and .cwignore say). It remembers whether each side matched
 * anything, so a filter that matches no file can be reported instead of silently doing nothing.
 */
export class RunFilter {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly #include: RuleSet | null;
  readonly #exclude: RuleSet | null;
  /** Some file passed the include globs. */
  includeMatched = false;
  /** Some file or directory was left out by the exclude globs. */
  excludeMatched = false;

  constructor(include: readonly string[], exclude: readonly string[]) {
    this.include = include;
    this.exclude = exclude;
    this.#include = include.length > 0 ? new RuleSet(include) : null;
    this.#exclude = exclude.length > 0 ? new RuleSet(exclude) : null;
  }

  get isEmpty(): boolean {
    return !this.#include && !this.#exclude;
  }

  /** During the walk: whether a directory is left out by the exclude globs (it is not entered). */
  excludesDir(relDir: string): boolean {
    if (this.#exclude?.test(`${relDir}/`) !== 'ignored') return false;
    this.excludeMatched = true;
    return true;
  }

  /** During the walk: why a file is outside this run's filter, or null when it is inside. */
  rejectFile(relPath: string): 'ignored' | 'not_included' | null {
    if (this.#exclude?.test(relPath) === 'ignored') {
      this.excludeMatched = true;
      return 'ignored';
    }
    if (this.#include) {
      if (this.#include.test(relPath) !== 'ignored') return 'not_included';
      this.includeMatched = true;
    }
    return null;
  }

  /** After the walk: whether a recorded path lies inside this run's filter (only those may be removed). */
  covers(relPath: string): boolean {
    const parts = relPath.split('/');
    if (this.#exclude) {
      for (let i = 1; i < parts.length; i++) if (this.#exclude.test(`${parts.slice(0, i).join('/')}/`) === 'ignored') return false;
      if (this.#exclude.test(relPath) === 'ignored') return false;
    }
    return !this.#include || this.#include.test(relPath) === 'ignored';
  }
}
