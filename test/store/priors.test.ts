import { describe, expect, it } from 'vitest';
import { DEFAULT_PATH_PRIORS } from '../../src/config/path-priors.js';
import { applyPathPriors, pathPrior } from '../../src/store/ranking/priors.js';
import type { SearchHit } from '../../src/store/vector-store.js';

const hit = (path: string, score: number, language = 'typescript'): SearchHit => ({
  path,
  startLine: 1,
  endLine: 2,
  score,
  snippet: '',
  snippetStartLine: 1,
  bestLine: null,
  symbol: null,
  language,
});

describe('path priors', () => {
  it('rank tests, changelogs and prose below code of a similar score, not out', () => {
    expect(pathPrior('src/http/retry.ts', 'typescript')).toBe(1);
    expect(pathPrior('test/http/retry.test.ts', 'typescript')).toBeLessThan(1);
    expect(pathPrior('pkg/retry_test.go', 'go')).toBeLessThan(1);
    expect(pathPrior('CHANGELOG.md', 'markdown')).toBeLessThan(pathPrior('docs/guide.md', 'markdown'));
    const ranked = applyPathPriors([hit('test/retry.test.ts', 10), hit('CHANGELOG.md', 9, 'markdown'), hit('src/retry.ts', 8), hit('test/only.test.ts', 30)], 'retry after');
    expect(ranked.map((h) => h.path)).toEqual(['test/only.test.ts', 'src/retry.ts', 'test/retry.test.ts', 'CHANGELOG.md']);
  });

  it('leave tests alone when the query asks for tests, and docs when it asks for docs: not both', () => {
    const hits = [hit('test/retry.test.ts', 10), hit('CHANGELOG.md', 9, 'markdown'), hit('src/retry.ts', 8)];
    expect(applyPathPriors(hits, 'retry tests').map((h) => h.path)).toEqual(['test/retry.test.ts', 'src/retry.ts', 'CHANGELOG.md']);
    expect(applyPathPriors(hits, 'changelog for retry').map((h) => h.path)).toEqual(['CHANGELOG.md', 'src/retry.ts', 'test/retry.test.ts']);
    expect(applyPathPriors(hits, 'retry tests and their docs')).toEqual(hits);
  });
});

describe('prose and intent', () => {
  it('ranks every prose language the detector gives below code (one list for both)', async () => {
    const { languageForPath, PROSE_LANGUAGES } = await import('../../src/discovery/language.js');
    for (const file of ['docs/usage.rst', 'README.md', 'guide.adoc', 'NOTES.txt']) {
      const language = languageForPath(file);
      expect(PROSE_LANGUAGES.has(language), `${file}: ${language}`).toBe(true);
      expect(pathPrior(file, language), file).toBeLessThan(1);
    }
    // Every prose name is one the detector can give.
    const given = new Set(['x.md', 'x.rst', 'x.adoc', 'x'].map(languageForPath));
    for (const name of PROSE_LANGUAGES) expect(given.has(name), name).toBe(true);
  });

  it('takes a long text as about tests or docs only when its first line says so', async () => {
    const { queryWants } = await import('../../src/store/ranking/priors.js');
    expect(queryWants('router param tests')).toEqual({ tests: true, docs: false });
    expect(queryWants('router param docs')).toEqual({ tests: false, docs: true });
    expect(queryWants('retry after header')).toEqual({ tests: false, docs: false });
    const issue = (first: string) =>
      `${first}\n\nWhen I call session.send the redirect loses the method.\n\n$ pip list\nmock 5.1.0\nrequests 2.31\n\nThe docs say it should keep it; see the example below.\n\`\`\`\nr = s.send(p)\n\`\`\``;
    expect(queryWants(issue('Redirects drop the request method'))).toEqual({ tests: false, docs: false });
    expect(queryWants(issue('The docs of Session.send are wrong about redirects'))).toEqual({ tests: false, docs: true });
    const hits = [hit('tests/test_sessions.py', 10, 'python'), hit('requests/sessions.py', 8, 'python')];
    expect(applyPathPriors(hits, issue('Redirects drop the request method')).map((h) => h.path)).toEqual(['requests/sessions.py', 'tests/test_sessions.py']);
  });

  it('reads --lang as a stored name, an extension that stands for one, or a common alias; null for none', async () => {
    const { resolveLanguage } = await import('../../src/discovery/language.js');
    expect(['rst', 'RestructuredText', 'py', 'Python', '.md', 'ts', 'golang', 'C#', 'shell', 'nope'].map(resolveLanguage)).toEqual([
      'restructuredtext',
      'restructuredtext',
      'python',
      'python',
      'markdown',
      'typescript',
      'go',
      'csharp',
      'bash',
      null,
    ]);
  });
});

describe('housekeeping files', () => {
  it('rank templates, CI pipelines, dependency lists and tool configuration below code, not the code beside them', () => {
    for (const file of ['.github/ISSUE_TEMPLATE/bug_report.md', '.github/workflows/ci.yml', 'ci/requirements/py38.yml', 'requirements-dev.txt', 'setup.cfg', 'tox.ini', 'pyproject.toml']) {
      expect(pathPrior(file, 'text'), file).toBeLessThan(1);
    }
    for (const file of ['src/ci/pipeline.py', 'lib/config.py', 'setup.py', 'xarray/core/options.py']) expect(pathPrior(file, 'python'), file).toBe(1);
    const hits = [hit('.github/ISSUE_TEMPLATE/bug_report.md', 10, 'markdown'), hit('requests/sessions.py', 7, 'python')];
    expect(applyPathPriors(hits, 'session redirect loses method').map((h) => h.path)).toEqual(['requests/sessions.py', '.github/ISSUE_TEMPLATE/bug_report.md']);
  });
});

describe('vendored code', () => {
  it("ranks code copied from other projects below the project's own", () => {
    for (const file of ['third_party/zlib/inflate.c', 'src/third-party/lodash.js', 'pip/_vendor/requests/api.py', 'lib/vendored/six.py', 'requests/packages/urllib3/connectionpool.py', 'vendor/github.com/x/y.go']) {
      expect(pathPrior(file, 'text'), file).toBe(DEFAULT_PATH_PRIORS.vendored);
    }
    // A monorepo's root packages/ is its own code, and so is a JS package's nested packages/.
    for (const file of ['packages/core/src/index.ts', 'packages/cli/main.py', 'apps/web/packages/ui/button.tsx', 'src/vendors.py']) expect(pathPrior(file, 'python'), file).toBe(1);
  });
});

describe('search.path_priors', () => {
  it('sets each multiplier; 1 ranks such hits like code', () => {
    const priors = { ...DEFAULT_PATH_PRIORS, test: 1, vendored: 0.1 };
    expect(pathPrior('test/retry.test.ts', 'typescript', priors)).toBe(1);
    expect(pathPrior('third_party/retry.c', 'c', priors)).toBe(0.1);
    const hits = [hit('test/retry.test.ts', 10), hit('src/retry.ts', 8)];
    expect(applyPathPriors(hits, 'retry after', priors).map((h) => h.path)).toEqual(['test/retry.test.ts', 'src/retry.ts']);
    expect(applyPathPriors(hits, 'retry after').map((h) => h.path)).toEqual(['src/retry.ts', 'test/retry.test.ts']);
  });

  it('is read from the configuration, and a multiplier outside 0..1 is refused', async () => {
    const { ConfigSchema } = await import('../../src/config/schema.js');
    expect(ConfigSchema.parse({}).search.path_priors).toEqual(DEFAULT_PATH_PRIORS);
    expect(ConfigSchema.parse({ search: { path_priors: { test: 1 } } }).search.path_priors.test).toBe(1);
    expect(ConfigSchema.safeParse({ search: { path_priors: { test: 2 } } }).success).toBe(false);
    expect(ConfigSchema.safeParse({ search: { path_priors: { tests: 1 } } }).success).toBe(false);
  });
});

describe('a top-level testing/ directory', () => {
  it("holds tests (pytest keeps its own there); a package's testing module is code", () => {
    expect(pathPrior('testing/python/fixtures.py', 'python')).toBe(DEFAULT_PATH_PRIORS.test);
    for (const file of ['numpy/testing/_private/utils.py', 'lib/matplotlib/testing/decorators.py']) expect(pathPrior(file, 'python'), file).toBe(1);
  });
});
