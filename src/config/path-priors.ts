/**
 * How much a hit's score is scaled by where it lives, for a question about code: the defaults of
 * `search.path_priors`, here below the configuration and the ranking that both read them.
 * Measured on SWE-bench Lite's dev split and on this repository (bench/README.md).
 */
export const DEFAULT_PATH_PRIORS = {
  /** Tests (test/, __tests__/, *.test.ts, test_*.py, *_test.go, …). */
  test: 0.5,
  /** Changelogs and release notes (CHANGELOG, CHANGES, HISTORY, NEWS, RELEASES). */
  changelog: 0.4,
  /** Prose: Markdown, reStructuredText, AsciiDoc, plain text. */
  doc: 0.6,
  /** Issue and PR templates, CI pipelines, dependency lists, tool configuration. */
  housekeeping: 0.5,
  /** Vendored code: third_party/, _vendor/, vendored/, a Python package's packages/. */
  vendored: 0.5,
} as const;

export type PathPriorKind = keyof typeof DEFAULT_PATH_PRIORS;
export type PathPriors = Record<PathPriorKind, number>;
