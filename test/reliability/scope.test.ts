/**
 * The index's scope is what the configuration, .gitignore and .cwignore say; --include and
 * --exclude narrow one run and never remove what that run did not look at. A dry run reports
 * exactly what the real run then does.
 */
import { appendFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startVoyageServer, type ProviderServer } from '../embedding/servers/index.js';
import { assertBuilt, cleanEnv, runCli } from '../e2e/cli-harness.js';
import { snapshotEmbeddedIndex } from '../support/index-snapshot.js';
import { CORPORA, makeRepo, onlyOneJson, workDir } from './harness.js';

let work: Awaited<ReturnType<typeof workDir>>;
let server: ProviderServer | undefined;
beforeAll(async () => {
  assertBuilt();
  work = await workDir('scope');
});
afterAll(() => work.cleanup());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const snap = (repo: string) => snapshotEmbeddedIndex(path.join(repo, '.codeweaver', 'index.sqlite'));
async function index(repo: string, args: string[] = [], env = cleanEnv()) {
  const res = await runCli(['index', repo, '--json', ...args], { env });
  expect(res.code, res.stderr).toBe(0);
  return { summary: onlyOneJson(res.stdout, res.stderr), stderr: res.stderr };
}

describe('--include / --exclude narrow one run', () => {
  it('never remove files outside the filter; a filter matching nothing says so and changes nothing', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small);
    await index(repo);
    const full = snap(repo);
    expect(Object.keys(full.files).length).toBeGreaterThan(10);

    const narrowed = await index(repo, ['--include', 'lib/handler/**']);
    expect(narrowed.summary.files).toMatchObject({ deleted: 0, out_of_scope: 0, indexed: 0 });
    expect(snap(repo)).toEqual(full);

    const excluded = await index(repo, ['--exclude', 'lib/interceptor/']);
    expect(excluded.summary.files).toMatchObject({ deleted: 0, out_of_scope: 0 });
    expect(snap(repo)).toEqual(full);

    const nothing = await index(repo, ['--include', 'no/such/dir/**']);
    expect(nothing.stderr).toMatch(/--include no\/such\/dir\/\*\* matches no file/);
    expect(nothing.summary.files).toMatchObject({ scanned: 0, deleted: 0, out_of_scope: 0 });
    expect(snap(repo)).toEqual(full);
    const noExclude = await index(repo, ['--exclude', 'nothing-here/']);
    expect(noExclude.stderr).toMatch(/--exclude nothing-here\/ matches no file/);
  });

  it('a narrowed run indexes and removes only inside its filter; a plain run then converges to a clean index', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small);
    await index(repo);
    await appendFile(path.join(repo, 'lib', 'handler', 'retry-handler.js'), '\nfunction addedInHandler () { return 1 }\n');
    await appendFile(path.join(repo, 'lib', 'interceptor', 'dns.js'), '\nfunction addedInInterceptor () { return 2 }\n');
    await rm(path.join(repo, 'lib', 'interceptor', 'dump.js'));
    await rm(path.join(repo, 'lib', 'handler', 'unwrap-handler.js'));
    const narrowed = await index(repo, ['--include', 'lib/handler/**']);
    expect(narrowed.summary.files).toMatchObject({ indexed: 1, deleted: 1 });
    const files = snap(repo).files;
    expect(files['lib/interceptor/dump.js']).toBeDefined(); // outside the filter: untouched
    expect(files['lib/handler/unwrap-handler.js']).toBeUndefined();

    const plain = await index(repo);
    expect(plain.summary.files).toMatchObject({ indexed: 1, deleted: 1 });
    const clean = await makeRepo(work.dir, CORPORA.small);
    await appendFile(path.join(clean, 'lib', 'handler', 'retry-handler.js'), '\nfunction addedInHandler () { return 1 }\n');
    await appendFile(path.join(clean, 'lib', 'interceptor', 'dns.js'), '\nfunction addedInInterceptor () { return 2 }\n');
    await rm(path.join(clean, 'lib', 'interceptor', 'dump.js'));
    await rm(path.join(clean, 'lib', 'handler', 'unwrap-handler.js'));
    await index(clean);
    expect(snap(repo).files).toEqual(snap(clean).files);
    expect(snap(repo).chunks).toEqual(snap(clean).chunks);
  });

  it('a scope that shrinks (.cwignore) reports files out of scope apart from files deleted from disk', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small);
    await index(repo);
    const inInterceptor = Object.keys(snap(repo).files).filter((p) => p.startsWith('lib/interceptor/')).length;
    await writeFile(path.join(repo, '.cwignore'), 'lib/interceptor/\n');
    await rm(path.join(repo, 'lib', 'handler', 'wrap-handler.js'));
    const shrunk = await index(repo);
    expect(shrunk.summary.files).toMatchObject({ out_of_scope: inInterceptor, deleted: 1 });
    expect(Object.keys(snap(repo).files).some((p) => p.startsWith('lib/interceptor/'))).toBe(false);
  });
});

describe('--dry-run reports exactly what the real run does', () => {
  /** Edits, deletions, an addition and a shrinking scope, applied to an indexed repository. */
  async function changeRepo(repo: string): Promise<void> {
    await appendFile(path.join(repo, 'lib', 'handler', 'retry-handler.js'), '\nfunction dryRunEdit () { return 3 }\n');
    await writeFile(path.join(repo, 'lib', 'handler', 'decorator-handler.js'), 'module.exports = function rewritten () {}\n');
    await rm(path.join(repo, 'lib', 'interceptor', 'dump.js'));
    await rm(path.join(repo, 'lib', 'interceptor', 'cache.js'));
    await writeFile(path.join(repo, 'lib', 'added.js'), 'function brandNew () { return 4 }\n');
    await writeFile(path.join(repo, '.cwignore'), 'lib/handler/cache-*.js\n');
  }

  function comparable(summary: any) {
    const { files, chunks, tokens, provider, model, search_mode, store, failures } = summary;
    return { files, chunks, tokens, provider, model, search_mode, store, failures };
  }

  it('lexical: files, chunks and tokens field by field, deletions included', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small);
    await index(repo);
    await changeRepo(repo);
    const dry = await index(repo, ['--dry-run']);
    const before = snap(repo);
    const real = await index(repo);
    expect(dry.summary.dry_run).toBe(true);
    expect(comparable(dry.summary)).toEqual(comparable(real.summary));
    expect(real.summary.files.deleted).toBe(2);
    expect(real.summary.files.out_of_scope).toBe(2);
    expect(real.summary.chunks.deleted).toBeGreaterThan(0);
    expect(before.chunks.length).toBeGreaterThan(0);
  });

  it('dense: the same, with chunk-level reuse', async () => {
    server = await startVoyageServer();
    const config = { embedding: { provider: 'voyage', base_url: server.baseUrl, batch_size: 8, concurrency: 2 } };
    const env = cleanEnv({ VOYAGE_API_KEY: 'pa-dry-run-key-000' });
    const repo = await makeRepo(work.dir, CORPORA.small, config);
    await index(repo, [], env);
    await changeRepo(repo);
    const requests = server.requests.length;
    const dry = await index(repo, ['--dry-run'], env);
    expect(server.requests.length).toBe(requests);
    const real = await index(repo, [], env);
    expect(comparable(dry.summary)).toEqual(comparable(real.summary));
    expect(real.summary.chunks.embedded).toBeGreaterThan(0);
    expect(real.summary.chunks.reused).toBeGreaterThan(0);
  });
});
