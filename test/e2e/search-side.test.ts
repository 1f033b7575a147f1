/**
 * The search side as a user meets it: the index is found from anywhere inside the repository,
 * and an index built with flags is searched (and refreshed) without them.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIServer, type ProviderServer } from '../embedding/servers/index.js';
import { CORPORA, makeRepo, onlyOneJson, workDir } from '../reliability/harness.js';
import { assertBuilt, cleanEnv, runCli } from './cli-harness.js';

let work: Awaited<ReturnType<typeof workDir>>;
let server: ProviderServer | undefined;
beforeAll(async () => {
  assertBuilt();
  work = await workDir('search-side');
});
afterAll(() => work.cleanup());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('finding the index', () => {
  it('from a subdirectory, search and status use the index at the repository root; cw index there refreshes it', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small);
    await mkdir(path.join(repo, '.git'));
    expect((await runCli(['index'], { cwd: repo, env: cleanEnv() })).code).toBe(0);
    const sub = path.join(repo, 'lib', 'handler');
    const found = await runCli(['search', 'retry', 'after', '--json'], { cwd: sub, env: cleanEnv() });
    expect(found.code, found.stderr).toBe(0);
    expect(onlyOneJson(found.stdout).results.length).toBeGreaterThan(0);
    const status = await runCli(['status', '--json'], { cwd: sub, env: cleanEnv() });
    expect(onlyOneJson(status.stdout)).toMatchObject({ indexed: true });
    const again = await runCli(['index', '--json'], { cwd: sub, env: cleanEnv() });
    expect(onlyOneJson(again.stdout).files.indexed).toBe(0); // the root's index, unchanged
    const { existsSync } = await import('node:fs');
    expect(existsSync(path.join(sub, '.codeweaver'))).toBe(false); // no second, nested index
  });
});

describe('an index built with flags', () => {
  it('is searched, and refreshed by a plain cw index, without them', async () => {
    server = await startOpenAIServer({ dims: 16 });
    const repo = await makeRepo(work.dir, CORPORA.small);
    await writeFile(path.join(repo, 'codeweaver.config.json'), '{}');
    const env = cleanEnv({ MY_KEY: 'sk-flags-test-000000' });
    const flags = ['--provider', 'openai-compatible', '--base-url', server.baseUrl, '--model', 'my-embedder'];
    const built = await runCli(['index', repo, ...flags, '--json'], { env });
    expect(built.code, built.stderr).toBe(0);
    expect(onlyOneJson(built.stdout)).toMatchObject({ provider: 'openai-compatible', model: 'my-embedder', search_mode: 'hybrid' });

    const before = server.requests.length;
    const found = await runCli(['search', 'retry handler', '--path', repo, '--json'], { env });
    expect(found.code, found.stderr).toBe(0);
    expect(onlyOneJson(found.stdout).search_mode).toBe('hybrid');
    expect(server.requests.length).toBe(before + 1); // the query, embedded by the index's own model
    expect(server.requests.at(-1)!.body).toMatchObject({ model: 'my-embedder' });

    const plain = await runCli(['index', repo, '--json'], { env });
    expect(plain.code, plain.stderr).toBe(0);
    expect(onlyOneJson(plain.stdout)).toMatchObject({ provider: 'openai-compatible', files: { indexed: 0 } });

    // cw config shows what that plain run used, and says the index supplied it.
    const config = await runCli(['config', repo, '--json'], { env });
    expect(config.code, config.stderr).toBe(0);
    const doc = onlyOneJson(config.stdout);
    expect(doc.config.embedding).toMatchObject({ provider: 'openai-compatible', model: 'my-embedder', base_url: server.baseUrl, dimensions: 16 });
    const fromIndex = `the index (${path.join(repo, '.codeweaver', 'index.sqlite')})`;
    for (const key of ['embedding.provider', 'embedding.model', 'embedding.base_url', 'embedding.dimensions']) expect(doc.sources[key]).toBe(fromIndex);
    expect(Object.keys(doc.http_clients)).toEqual(['openai-compatible']);
    const text = await runCli(['config', repo], { env });
    expect(text.stdout).toContain('# model: openai-compatible/my-embedder');
    expect(text.stdout).toContain(`#   embedding.provider ← ${fromIndex}`);
    // A flag still wins, and says so.
    const flagged = onlyOneJson((await runCli(['config', repo, '--json', '--provider', 'local'], { env })).stdout);
    expect(flagged.config.embedding.provider).toBe('local');
    expect(flagged.sources['embedding.provider']).toBe('flag --provider');

    // An explicit conflicting choice is still refused, with how to switch.
    const other = await runCli(['index', repo, '--provider', 'local'], { env });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/built with openai-compatible\/my-embedder .* this run uses local\/bm25 .* --full/);
  });
});

describe('results a person can use', () => {
  it('path:line relative to the working directory, grouped by file, numbered snippet lines; filters by language and glob', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small);
    await mkdir(path.join(repo, '.git'));
    await writeFile(path.join(repo, 'CHANGELOG.md'), '# Changes\n\n- retry after header is now honoured by the retry handler\n');
    expect((await runCli(['index'], { cwd: repo, env: cleanEnv() })).code).toBe(0);
    const sub = path.join(repo, 'lib');
    const human = await runCli(['search', 'retry', 'after', 'header', '-n', '6'], { cwd: sub, env: cleanEnv() });
    expect(human.code, human.stderr).toBe(0);
    const heads = human.stdout.split('\n').filter((l) => /^\S+:\d+/.test(l));
    expect(heads.length).toBeGreaterThan(1);
    for (const head of heads) expect(head).toMatch(/^(handler|interceptor)\/[\w-]+\.js:\d+ |^\.\.\/CHANGELOG\.md:\d+ /);
    // A file's hits stand together.
    const files = heads.map((h) => h.split(':')[0]);
    expect(files).toEqual([...files].sort((a, b) => files.indexOf(a) - files.indexOf(b)));
    // Snippet lines carry their line numbers: the header's line is the first numbered one.
    const first = human.stdout.split('\n\n')[0]!.split('\n');
    expect(first[1]).toMatch(new RegExp(`^\\s+${first[0]!.split(':')[1]!.split(' ')[0]} │ `));

    const json = onlyOneJson((await runCli(['search', 'retry after header', '--json'], { cwd: sub, env: cleanEnv() })).stdout);
    expect(json.root).toBe(repo);
    expect(json.results.some((r: any) => r.path === 'CHANGELOG.md')).toBe(true);
    const onlyJs = onlyOneJson((await runCli(['search', 'retry after header', '--json', '--lang', 'javascript'], { cwd: sub, env: cleanEnv() })).stdout);
    expect(onlyJs.results.length).toBeGreaterThan(0);
    expect(onlyJs.results.every((r: any) => r.language === 'javascript')).toBe(true);
    // The line that matched best, and where the snippet starts, for scripts.
    const best = json.results.find((r: any) => r.best_line !== null);
    expect(best.best_line).toBeGreaterThanOrEqual(best.start_line);
    expect(best.best_line).toBeLessThanOrEqual(best.end_line);
    expect(best.snippet_start_line).toBeGreaterThanOrEqual(best.start_line);
    // An alias names a language; an unknown one, or a directory that is not there, is an error naming the fix.
    const aliased = onlyOneJson((await runCli(['search', 'retry after header', '--json', '--lang', 'js'], { cwd: sub, env: cleanEnv() })).stdout);
    expect(aliased.results.map((r: any) => r.path)).toEqual(onlyJs.results.map((r: any) => r.path));
    const unknown = await runCli(['search', 'retry', '--lang', 'javascrpt'], { cwd: sub, env: cleanEnv() });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown language "javascrpt" — use one of .*javascript/);
    // Forms for scripts and for grep's users: -l, --jsonl, --per-file, --min-score.
    const all = onlyOneJson((await runCli(['search', 'retry', '--json', '-n', '20'], { cwd: sub, env: cleanEnv() })).stdout).results;
    const listed = await runCli(['search', 'retry', '-l', '-n', '20'], { cwd: sub, env: cleanEnv() });
    expect(listed.code, listed.stderr).toBe(0);
    const firstSeen = [...new Set(all.map((r: any) => r.path))].map((p) => path.relative(sub, path.join(repo, p as string)));
    expect(listed.stdout.trim().split('\n')).toEqual(firstSeen);
    const lines = await runCli(['search', 'retry', '--jsonl', '-n', '20'], { cwd: sub, env: cleanEnv() });
    expect(lines.code, lines.stderr).toBe(0);
    const streamed = lines.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(streamed.map((r: any) => [r.root, r.path, r.start_line, r.score])).toEqual(all.map((r: any) => [repo, r.path, r.start_line, r.score]));
    const capped = onlyOneJson((await runCli(['search', 'retry', '--json', '-n', '20', '--per-file', '1'], { cwd: sub, env: cleanEnv() })).stdout).results;
    expect(new Set(capped.map((r: any) => r.path)).size).toBe(capped.length);
    expect(capped.length).toBeGreaterThan(1);
    const floor = all[Math.floor(all.length / 2)].score;
    const high = onlyOneJson((await runCli(['search', 'retry', '--json', '-n', '20', '--min-score', String(floor)], { cwd: sub, env: cleanEnv() })).stdout).results;
    expect(high.length).toBeGreaterThan(0);
    expect(high.every((r: any) => r.score >= floor)).toBe(true);
    expect(high.length).toBeLessThan(all.length);
    // -C n: n lines either side of the best line, as the file reads (grep -C); --whole: the chunk.
    const withContext = onlyOneJson((await runCli(['search', 'retry', '--json', '-n', '20', '-C', '3'], { cwd: sub, env: cleanEnv() })).stdout).results;
    const hit = withContext.find((r: any) => r.best_line !== null && r.best_line > 3);
    const fileLines = (await readFile(path.join(repo, hit.path), 'utf8')).split('\n');
    expect(hit.context.start_line).toBe(hit.best_line - 3);
    expect(hit.context.end_line).toBe(Math.min(hit.best_line + 3, fileLines.length - (fileLines.at(-1) === '' ? 1 : 0)));
    expect(hit.context.code).toBe(fileLines.slice(hit.best_line - 4, hit.context.end_line).join('\n'));
    const humanContext = await runCli(['search', 'retry', '-n', '1', '-C', '4'], { cwd: sub, env: cleanEnv() });
    const firstContext = onlyOneJson((await runCli(['search', 'retry', '--json', '-n', '1', '-C', '4'], { cwd: sub, env: cleanEnv() })).stdout).results[0].context;
    expect(humanContext.stdout.trim().split('\n').filter((l) => / │ /.test(l)).length).toBe(firstContext.end_line - firstContext.start_line + 1);
    expect(firstContext.end_line - firstContext.start_line).toBeGreaterThan(5); // more than the snippet's 6 lines
    const whole = onlyOneJson((await runCli(['search', 'retry', '--json', '-n', '20', '--whole'], { cwd: sub, env: cleanEnv() })).stdout).results;
    for (const r of whole) expect([r.context.start_line, r.context.end_line]).toEqual([r.start_line, r.end_line]);
    const longest = whole.reduce((a: any, b: any) => (b.end_line - b.start_line > a.end_line - a.start_line ? b : a));
    expect(longest.end_line - longest.start_line + 1).toBeGreaterThan(6); // more than a snippet shows
    const wholeText = await runCli(['search', 'retry', '-n', '20', '--whole'], { cwd: sub, env: cleanEnv() });
    const numbered = wholeText.stdout.split('\n').filter((l) => / │ /.test(l)).length;
    expect(numbered).toBe(whole.reduce((n: number, r: any) => n + r.end_line - r.start_line + 1, 0));
    expect((await runCli(['search', 'retry', '-C', '2', '--whole'], { cwd: sub, env: cleanEnv() })).code).toBe(2);
    expect((await runCli(['search', 'retry', '-C', '-1'], { cwd: sub, env: cleanEnv() })).stderr).toMatch(/--context: expected a whole number ≥ 0/);
    const both = await runCli(['search', 'retry', '--jsonl', '--json'], { cwd: sub, env: cleanEnv() });
    expect(both.code).toBe(2);
    expect((await runCli(['search', 'retry', '--min-score', 'high'], { cwd: sub, env: cleanEnv() })).stderr).toMatch(/--min-score: expected a number/);

    // --under is read from where the user stands (here lib/), as the paths are printed.
    const nowhere = await runCli(['search', 'retry', '--under', 'no-such-dir'], { cwd: sub, env: cleanEnv() });
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/no file or directory "lib\/no-such-dir"/);
    const below = onlyOneJson((await runCli(['search', 'retry', '--json', '--under', 'handler'], { cwd: sub, env: cleanEnv() })).stdout);
    expect(below.results.length).toBeGreaterThan(0);
    expect(below.results.every((r: any) => r.path.startsWith('lib/handler/'))).toBe(true);
    const here = onlyOneJson((await runCli(['search', 'retry', '--json', '--under', '.'], { cwd: sub, env: cleanEnv() })).stdout);
    expect(here.results.every((r: any) => r.path.startsWith('lib/'))).toBe(true);
    expect(onlyOneJson((await runCli(['search', 'retry', '--json', '--under', '..'], { cwd: sub, env: cleanEnv() })).stdout).results.some((r: any) => r.path === 'CHANGELOG.md')).toBe(true);
    const noDocs = onlyOneJson((await runCli(['search', 'retry after header', '--json', '--exclude', '*.md'], { cwd: sub, env: cleanEnv() })).stdout);
    expect(noDocs.results.some((r: any) => r.path.endsWith('.md'))).toBe(false);
    const onlyInterceptors = onlyOneJson((await runCli(['search', 'retry', '--json', '--include', 'lib/interceptor/**'], { cwd: sub, env: cleanEnv() })).stdout);
    expect(onlyInterceptors.results.length).toBeGreaterThan(0);
    expect(onlyInterceptors.results.every((r: any) => r.path.startsWith('lib/interceptor/'))).toBe(true);
  });
});

describe('cw search -', () => {
  it('reads a whole issue from standard input, as the same words given as arguments; refuses too much and an empty one', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small);
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);
    const issue = 'RetryHandler ignores `Retry-After`\n\nWith maxRetries: 3 the "retry-after" header is not honoured:\n```js\nnew RetryHandler({ retryAfter: true })\n```\n';
    const piped = await runCli(['search', '-', '-p', repo, '--json'], { env: cleanEnv(), input: issue });
    expect(piped.code, piped.stderr).toBe(0);
    const asArgs = await runCli(['search', issue, '-p', repo, '--json'], { env: cleanEnv() });
    expect(onlyOneJson(piped.stdout).results.length).toBeGreaterThan(0);
    expect(onlyOneJson(piped.stdout)).toEqual(onlyOneJson(asArgs.stdout));

    const huge = await runCli(['search', '-', '-p', repo], { env: cleanEnv(), input: Buffer.alloc(1024 * 1024 + 1, 'a') });
    expect(huge.code).toBe(2);
    expect(huge.stderr.trim().split('\n')).toHaveLength(1);
    expect(huge.stderr).toMatch(/over 1 MiB/);
    const empty = await runCli(['search', '-', '-p', repo], { env: cleanEnv(), input: '  \n' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/query is empty/);
  });
});

describe('cw clean', () => {
  it('removes the embedded index, so the next cw index starts over; a Qdrant collection needs --yes off a terminal', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small);
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);
    const cleaned = await runCli(['clean', repo, '--json'], { env: cleanEnv() });
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(onlyOneJson(cleaned.stdout).removed.some((r: string) => r.endsWith('index.sqlite'))).toBe(true);
    const status = onlyOneJson((await runCli(['status', repo, '--json'], { env: cleanEnv() })).stdout);
    expect(status.indexed).toBe(false);
    const again = onlyOneJson((await runCli(['index', repo, '--json'], { env: cleanEnv() })).stdout);
    expect(again.files.unchanged).toBe(0);
    expect(again.files.indexed).toBeGreaterThan(0);

    const refused = await runCli(['clean', repo, '--store', 'qdrant', '--qdrant-url', 'http://127.0.0.1:1'], { env: cleanEnv() });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/would delete the Qdrant index .* rerun with --yes to confirm/);
  });

  it('an index holding embedded vectors (paid for) is removed only with --yes off a terminal', async () => {
    server = await startOpenAIServer({ dims: 16 });
    const repo = await makeRepo(work.dir, CORPORA.small);
    await writeFile(path.join(repo, 'codeweaver.config.json'), JSON.stringify({ embedding: { provider: 'openai-compatible', base_url: server.baseUrl, model: 'my-embedder' } }));
    const env = cleanEnv({ OPENAI_API_KEY: 'sk-clean-test-000000' });
    expect((await runCli(['index', repo], { env })).code).toBe(0);
    const vectors = onlyOneJson((await runCli(['status', repo, '--json'], { env })).stdout).vectors as number;
    expect(vectors).toBeGreaterThan(0);
    const refused = await runCli(['clean', repo], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe(
      `cw: error: cw clean would delete ${vectors.toLocaleString('en-US')} embedded vectors (openai-compatible/my-embedder) in the index ${path.join(repo, '.codeweaver', 'index.sqlite')} — rerun with --yes to confirm`,
    );
    expect(onlyOneJson((await runCli(['status', repo, '--json'], { env })).stdout).vectors).toBe(vectors); // nothing removed
    const removed = await runCli(['clean', repo, '--yes', '--json'], { env });
    expect(removed.code, removed.stderr).toBe(0);
    expect(onlyOneJson((await runCli(['status', repo, '--json'], { env })).stdout).indexed).toBe(false);
  });
});

describe('cw status and cw config print what matters', () => {
  it('the model in use, counts with correct plurals, no empty headings; an empty config file is said to be empty', async () => {
    const repo = path.join(work.dir, 'one-file');
    await mkdir(repo, { recursive: true });
    await writeFile(path.join(repo, 'codeweaver.config.json'), '{}');
    await writeFile(path.join(repo, 'one.ts'), 'export const one = 1;\n');
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);
    const status = await runCli(['status', repo], { env: cleanEnv() });
    expect(status.stdout).toMatch(/model: local\/bm25 \(lexical: BM25 only\)/);
    expect(status.stdout).toMatch(/^  1 file, 1 chunk$/m); // one.ts; never the config file
    const config = await runCli(['config', repo], { env: cleanEnv() });
    expect(config.stdout).toMatch(/^# configuration file: .*codeweaver\.config\.json \(empty: every value is a default\)$/m);
    expect(config.stdout).toMatch(/^# model: local\/bm25$/m);
    expect(config.stdout).not.toMatch(/# where values came from/); // nothing set: no empty heading
  });
});

describe('progress', () => {
  it('off a TTY, under --json too: heartbeat lines on stderr whose total and percentage never go backwards', async () => {
    const repo = await makeRepo(work.dir, CORPORA.undici);
    const { cp } = await import('node:fs/promises');
    for (let i = 1; i < 3; i++) await cp(path.join(repo, 'lib', 'lib'), path.join(repo, 'lib', `copy${i}`), { recursive: true });
    const res = await runCli(['index', repo, '--json'], { env: cleanEnv({ CODEWEAVER_PROGRESS_SECONDS: '0.1' }) });
    expect(res.code, res.stderr).toBe(0);
    const summary = onlyOneJson(res.stdout, res.stderr);
    const lines = res.stderr.split('\n').filter((l) => / files( ·|$)/.test(l));
    expect(lines.length).toBeGreaterThan(1);
    let total = 0;
    let percent = 0;
    let done = 0;
    for (const line of lines) {
      const m = /(\d[\d,]*)\/(\d[\d,]*)\+? files/.exec(line)!;
      const [d, t] = [Number(m[1]!.replace(/,/g, '')), Number(m[2]!.replace(/,/g, ''))];
      expect(t).toBeGreaterThanOrEqual(total);
      expect(d).toBeGreaterThanOrEqual(done);
      expect(d).toBeLessThanOrEqual(t);
      const p = /\] (\d+)%/.exec(line);
      if (p) {
        expect(Number(p[1])).toBeGreaterThanOrEqual(percent);
        percent = Number(p[1]);
      }
      total = t;
      done = d;
    }
    // The files in scope are counted beside the run off a TTY too: a CI log gets percent lines.
    expect(lines.some((l) => /\] \d+% · [\d,]+\/[\d,]+ files/.test(l))).toBe(true);
    // The total is never more than the files in scope.
    expect(total).toBeLessThanOrEqual(summary.files.scanned + Object.values(summary.files.skipped as Record<string, number>).reduce((a, b) => a + b, 0));
  }, 60_000);
});
