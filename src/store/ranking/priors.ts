/**
 * Where a hit lives says something about what the user wants. For a question about code, a
 * test that exercises the code, or a changelog line that mentions it, matches the words as
 * well as the code itself — and, measured on this repository (bench/README.md, "Ranking"),
 * took 22 of the top 50 results of 10 code queries, and the top result in 5 of them. Such
 * hits are ranked down, not out: their score is scaled, so a test still wins when nothing in
 * the code matches. A query that asks for tests or docs gets no prior.
 */
import { DEFAULT_PATH_PRIORS, type PathPriors } from '../../config/path-priors.js';
import { PROSE_LANGUAGES } from '../../discovery/language.js';
import { isLongQuery } from './terms.js';
import type { SearchHit } from '../vector-store.js';

// A top-level testing/ holds tests (pytest's own); a nested one is often a package's public test
// helpers (numpy.testing), which is code.
const TEST_PATH = /^testing\/|(^|\/)(tests?|__tests__|specs?|e2e|fixtures?|testdata)\/|\.(test|spec)\.[cm]?[jt]sx?$|_test\.(go|py|rb)$|(^|\/)test_[^/]+\.py$|Tests?\.(java|cs|kt)$/i;
const CHANGELOG_PATH = /(^|\/)(CHANGELOG|CHANGES|HISTORY|NEWS|RELEASES?)(\.[a-z]+)?$/i;
/**
 * The repository's housekeeping rather than its code: issue and PR templates, CI pipelines,
 * dependency lists and tool configuration. A pasted issue *is* a filled-in template, and its
 * version dump matches the dependency lists, so for a code question they come below code.
 */
const HOUSEKEEPING_PATH =
  /^(\.github|\.gitlab|\.circleci|\.azure-pipelines|ci)\/|(^|\/)(requirements[\w.-]*\.(txt|in)|constraints[\w.-]*\.txt|setup\.cfg|tox\.ini|pyproject\.toml|Pipfile|environment[\w.-]*\.ya?ml|\.pre-commit-config\.yaml|\.travis\.yml|appveyor\.yml|azure-pipelines\.yml|codecov\.ya?ml|\.readthedocs\.ya?ml)$/i;
/**
 * Code another project wrote, copied in: third_party/, _vendor/ (pip, setuptools), vendored/,
 * vendor/ (left out of the walk by default, but a user may include it), and a Python package's
 * own packages/ (requests/packages/urllib3). A root-level packages/ is a monorepo's own code.
 */
const VENDORED_PATH = /(^|\/)(third[_-]party|3rd[_-]?party|_vendor|vendored|vendor)\/|^[^/]+(\/[^/]+)*\/packages\/.+\.pyi?$/i;
const WANTS_TESTS = /\b(tests?|testing|specs?|mocks?|fixtures?)\b/i;
const WANTS_DOCS = /\b(docs?|documentation|readme|changelog|release notes?|examples?)\b/i;

/** What a query asks to see besides code. */
export interface QueryWants {
  tests: boolean;
  /** Prose and changelogs. */
  docs: boolean;
}

/** The multiplier of a hit's score by where it lives (search.path_priors; the defaults in config/path-priors.ts). */
export function pathPrior(path: string, language: string, priors: PathPriors = DEFAULT_PATH_PRIORS, wants: QueryWants = { tests: false, docs: false }): number {
  if (CHANGELOG_PATH.test(path)) return wants.docs ? 1 : priors.changelog;
  if (TEST_PATH.test(path)) return wants.tests ? 1 : priors.test;
  if (VENDORED_PATH.test(path)) return priors.vendored;
  if (HOUSEKEEPING_PATH.test(path)) return wants.tests || wants.docs ? 1 : priors.housekeeping;
  if (PROSE_LANGUAGES.has(language)) return wants.docs ? 1 : priors.doc;
  return 1;
}

/**
 * Hits re-ranked with the path priors (stable for equal scores). A query that asks for tests
 * keeps tests at full weight, and one that asks for docs keeps prose and changelogs: asking for
 * one is not asking for the other ("xfail marker in test no longer ignores failure" is no
 * reason to put the changelog first).
 */
export function applyPathPriors(hits: SearchHit[], query: string, priors: PathPriors = DEFAULT_PATH_PRIORS): SearchHit[] {
  const wants = queryWants(query);
  return hits
    .map((h, i) => ({ h: { ...h, score: h.score * pathPrior(h.path, h.language, priors, wants) }, i }))
    .sort((a, b) => b.h.score - a.h.score || a.i - b.i)
    .map(({ h }) => h);
}

/**
 * Whether the query asks for tests or docs: a short one anywhere in it; a long text (a pasted
 * issue, which mentions tests, docs or examples in passing: "the docs say…", a `pip list` with
 * `mock`) only in its first line, its title.
 */
export function queryWants(query: string): QueryWants {
  const text = query.trim();
  const about = isLongQuery(text) ? (text.split('\n', 1)[0] ?? '') : text;
  return { tests: WANTS_TESTS.test(about), docs: WANTS_DOCS.test(about) };
}
