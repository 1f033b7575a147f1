/**
 * An index written by the release before the sqlite-vec dense index (schema v7, kept as a fixture
 * in test/fixtures/index-v7 with the tree it indexed) migrates on the next write open: its stored
 * vectors are copied into the bit table, nothing is embedded again, `cw status` says when, and
 * search answers as an index built from scratch. kill -9 in the middle of that build leaves the
 * old index searchable, and the next run finishes it.
 */
import { fork } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startVoyageServer, type ProviderServer } from '../embedding/servers/index.js';
import { snapshotEmbeddedIndex } from '../support/index-snapshot.js';
import { assertBuilt, cleanEnv, PROJECT_ROOT, runCli } from '../e2e/cli-harness.js';
import { onlyOneJson, waitFor, workDir } from './harness.js';

const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'index-v7');
const QUERY = 'retry with exponential backoff and the Retry-After header';

let work: Awaited<ReturnType<typeof workDir>>;
let server: ProviderServer;
beforeAll(async () => {
  assertBuilt();
  work = await workDir('migration');
});
afterAll(() => work.cleanup());
afterEach(async () => {
  await server?.close();
});

let repos = 0;
/**
 * A copy of the fixture tree; with `withOldIndex`, the old release's index of it beside, its
 * remembered endpoint (where the loopback provider listened when it was written) pointed at this
 * test's server, as a user's index remembers where their provider is.
 */
function repo(withOldIndex: boolean): { dir: string; db: string } {
  const dir = path.join(work.dir, `repo${repos++}`);
  cpSync(path.join(FIXTURE, 'tree'), dir, { recursive: true });
  const db = path.join(dir, '.codeweaver', 'index.sqlite');
  if (withOldIndex) {
    mkdirSync(path.dirname(db), { recursive: true });
    copyFileSync(path.join(FIXTURE, 'index.sqlite'), db);
    const conn = new Database(db);
    try {
      expect(conn.pragma('user_version', { simple: true })).toBe(7);
      const build = JSON.parse(conn.prepare('SELECT build FROM meta').pluck().get() as string);
      conn.prepare('UPDATE meta SET build = ?').run(JSON.stringify({ ...build, base_url: server.baseUrl }));
    } finally {
      conn.close();
    }
  }
  return { dir, db };
}

const env = () => cleanEnv({ VOYAGE_API_KEY: 'pa-test-key' });
const provider = () => ['--provider', 'voyage', '--base-url', server.baseUrl];
const documentRequests = () => server.requests.filter((r) => r.body.input_type === 'document').length;

/** chunk id → its vector's bytes (hex), read straight from SQLite. */
function vectors(db: string): Record<string, string> {
  const conn = new Database(db, { readonly: true });
  try {
    const rows = conn.prepare('SELECT id, vector FROM chunks WHERE vector IS NOT NULL').all() as Array<{ id: string; vector: Buffer }>;
    return Object.fromEntries(rows.map((r) => [r.id, r.vector.toString('hex')]));
  } finally {
    conn.close();
  }
}

async function search(dir: string): Promise<Array<{ path: string; start_line: number; score: number }>> {
  const res = await runCli(['search', QUERY, '--path', dir, '--json', '--limit', '5'], { env: env() });
  expect(res.code, res.stderr).toBe(0);
  return onlyOneJson(res.stdout, res.stderr).results.map((r: { path: string; start_line: number; score: number }) => ({ path: r.path, start_line: r.start_line, score: r.score }));
}

async function status(dir: string): Promise<any> {
  const res = await runCli(['status', dir, '--json'], { env: env() });
  expect(res.code, res.stderr).toBe(0);
  return onlyOneJson(res.stdout, res.stderr);
}

/** What a clean build of the fixture tree by this cw answers. */
async function cleanAnswers(): Promise<{ results: Awaited<ReturnType<typeof search>>; snapshot: ReturnType<typeof snapshotEmbeddedIndex> }> {
  const fresh = repo(false);
  const res = await runCli(['index', fresh.dir, ...provider(), '--json'], { env: env() });
  expect(res.code, res.stderr).toBe(0);
  return { results: await search(fresh.dir), snapshot: snapshotEmbeddedIndex(fresh.db) };
}

describe('an index written by the previous release (schema v7)', () => {
  it('migrates on the next cw index without embedding anything again, says so, and answers as a clean build', async () => {
    server = await startVoyageServer();
    const old = repo(true);
    const before = vectors(old.db);
    expect(Object.keys(before).length).toBeGreaterThan(0);

    // Read as it is before any write: the scan answers.
    expect(await status(old.dir)).toMatchObject({ dense_engine: 'scan', vectors: Object.keys(before).length });
    expect((await search(old.dir)).length).toBeGreaterThan(0);

    const res = await runCli(['index', old.dir, ...provider(), '--json'], { env: env() });
    expect(res.code, res.stderr).toBe(0);
    expect(onlyOneJson(res.stdout, res.stderr).chunks.embedded).toBe(0);
    expect(documentRequests()).toBe(0);
    expect(vectors(old.db)).toEqual(before); // the same bytes: copied, not embedded again

    const after = await status(old.dir);
    expect(after.dense_engine).toBe('sqlite-vec');
    expect(after.migrations).toEqual([
      { at: expect.any(String), from_schema: 9, to_schema: 9, vectors_indexed: Object.keys(before).length },
      { at: expect.any(String), from_schema: 7, to_schema: 9, vectors_indexed: null },
    ]);
    const human = await runCli(['status', old.dir], { env: env() });
    expect(human.stdout).toMatch(/migrated .*: index format v7 → v9/);
    expect(human.stdout).toMatch(new RegExp(`dense index built .* from ${Object.keys(before).length} stored vectors \\(none embedded again\\)`));

    const clean = await cleanAnswers();
    const migrated = snapshotEmbeddedIndex(old.db);
    expect(migrated.chunks).toEqual(clean.snapshot.chunks);
    expect(migrated.bitRows).toBe(migrated.vectors);
    expect(await search(old.dir)).toEqual(clean.results);
  });

  it('killed -9 while its dense index is built: still searchable, and the next run finishes the migration', async () => {
    server = await startVoyageServer();
    const old = repo(true);
    const marker = path.join(work.dir, `killed-${repos}`);
    const child = fork(path.join(FIXTURE, 'dies-building-bits.mjs'), [old.db, marker], { stdio: 'ignore' as never });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await waitFor(() => existsSync(marker) || child.exitCode !== null, 60_000, 'the bit table half-built');
    expect(existsSync(marker), 'the fixture exited before it was killed').toBe(true);
    expect(Number(readFileSync(marker, 'utf8'))).toBe(Object.keys(vectors(old.db)).length); // every row written, not committed
    child.kill('SIGKILL');
    await exited;

    // The build rolled back: no table, not marked complete; the old index answers (by the scan).
    expect(snapshotEmbeddedIndex(old.db).bitRows).toBe(-1);
    expect(await status(old.dir)).toMatchObject({ dense_engine: 'scan' });
    const clean = await cleanAnswers();
    expect(await search(old.dir)).toEqual(clean.results);

    const res = await runCli(['index', old.dir, ...provider(), '--json'], { env: env() });
    expect(res.code, res.stderr).toBe(0);
    expect(onlyOneJson(res.stdout, res.stderr).chunks.embedded).toBe(0);
    const migrated = snapshotEmbeddedIndex(old.db);
    expect(migrated.bitRows).toBe(migrated.vectors);
    expect(migrated.chunks).toEqual(clean.snapshot.chunks);
    expect((await status(old.dir)).dense_engine).toBe('sqlite-vec');
    expect(await search(old.dir)).toEqual(clean.results);
  });
});
