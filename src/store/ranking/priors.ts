/**
 * Where a hit lives says something about what the user wants. For a question about code, a
 * test that exercises the code, or a changelog line that mentions it, matches the words as
 * well as the code itself — and, measured on this repository (bench/README.md, "Ranking"),
 * took 22 of the top 50 results of 10 code queries, and the top result in 5 of them. Such
 * hits are ranked down, not out: their score is scaled, so a test still wins when nothing in
 * the code matches. A query that asks for tests or docs gets no prior.
 */
import { PROSE_LANGUAGES } from '../../discovery/language.js';
import { isLongQuery } from './terms.js';
import type { SearchHit } from '../vector-store.js';

const TEST_PATH = /(^|\/)(tests?|__tests__|specs?|e2e|fixtures?|testdata)\/|\.(test|spec)\.[cm]?[jt]sx?$|_test\.(go|py|rb)$|(^|\/)test_[^/]+\.py$|Tests?\.(java|cs|kt)$/i;
const CHANGELOG_PATH = /(^|\/)(CHANGELOG|CHANGES|HISTORY|NEWS|RELEASES?)(\.[a-z]+)?$/i;
/**
 * The repository's housekeeping rather than its code: issue and PR templates, CI pipelines,
 * dependency lists and tool configuration. A pasted issue *is* a filled-in template, and its
 * version dump matches the dependency lists, so for a code question they come below code.
 */
const HOUSEKEEPING_PATH =
  /^(\.github|\.gitlab|\.circleci|\.azure-pipelines|ci)\/|(^|\/)(requirements[\w.-]*\.(txt|in)|constraints[\w.-]*\.txt|setup\.cfg|tox\.ini|pyproject\.toml|Pipfile|environment[\w.-]*\.ya?ml|\.pre-commit-config\.yaml|\.travis\.yml|appveyor\.yml|azure-pipelines\.yml|codecov\.ya?ml|\.readthedocs\.ya?ml)$/i;
const WANTS_TESTS_OR_DOCS = /\b(tests?|testing|specs?|mocks?|fixtures?|docs?|documentation|readme|changelog|release notes?|examples?)\b/i;


/** Multipliers of a hit's score by where it lives. */
export const PRIORS = { test: 0.5, changelog: 0.4, doc: 0.6, housekeeping: 0.5 } as const;

export function pathPrior(path: string, language: string): number {
  if (CHANGELOG_PATH.test(path)) return PRIORS.changelog;
  if (TEST_PATH.test(path)) return PRIORS.test;
  if (HOUSEKEEPING_PATH.test(path)) return PRIORS.housekeeping;
  if (PROSE_LANGUAGES.has(language)) return PRIORS.doc;
  return 1;
}

/** Hits re-ranked with the path priors (stable for equal scores); unchanged when the query asks for tests or docs. */
export function applyPathPriors(hits: SearchHit[], query: string): SearchHit[] {
  if (wantsTestsOrDocs(query)) return hits;
  return hits
    .map((h, i) => ({ h: { ...h, score: h.score * pathPrior(h.path, h.language) }, i }))
    .sort((a, b) => b.h.score - a.h.score || a.i - b.i)
    .map(({ h }) => h);
}

/**
 * Whether the query asks for tests or docs: a short one anywhere in it; a long text (a pasted
 * issue, which mentions tests, docs or examples in passing: "the docs say…", a `pip list` with
 * `mock`) only in its first line, its title.
 */
export function wantsTestsOrDocs(query: string): boolean {
  const text = query.trim();
  const about = isLongQuery(text) ? (text.split('\n', 1)[0] ?? '') : text;
  return WANTS_TESTS_OR_DOCS.test(about);
}
