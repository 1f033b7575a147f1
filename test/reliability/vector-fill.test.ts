/**
 * A run with a model on this machine writes every chunk first and fills the vectors behind.
 * kill -9 in the middle of the fill: the index is searchable (hybrid where filled, lexical for
 * the rest), cw status says how far the vectors are, and the next run fills the rest to exactly
 * the vectors of a run that was never stopped.
 */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDir } from '../../src/embedding/onnx/runtime.js';
import { assertBuilt, cleanEnv, runCli, spawnCli } from '../e2e/cli-harness.js';
import { TINY_BPE_EMBEDDER } from '../support/model-fixtures.js';
import { CORPORA, makeRepo, onlyOneJson, waitFor, workDir } from './harness.js';

// The model in the default's layout: its vectors differ in their last bits with what they are
// batched with, so "the same vectors as a clean run" holds only if the fill batches the same way.
const MODEL = TINY_BPE_EMBEDDER;
const env = cleanEnv({ CODEWEAVER_RUNTIME_DIR: path.dirname(runtimeDir(process.env)) });

let work: Awaited<ReturnType<typeof workDir>>;
beforeAll(async () => {
  assertBuilt();
  work = await workDir('vector-fill');
});
afterAll(() => work.cleanup());

/** undici's lib/ four times: a fill long enough to be killed in. */
async function bigRepo(): Promise<string> {
  const repo = await makeRepo(work.dir, CORPORA.undici, { embedding: { provider: 'onnx', model: MODEL, threads: 1 } });
  for (let i = 1; i < 4; i++) await cp(path.join(repo, 'lib', 'lib'), path.join(repo, 'lib', `copy${i}`), { recursive: true });
  return repo;
}

const dbOf = (repo: string) => path.join(repo, '.codeweaver', 'index.sqlite');

function counts(repo: string): { chunks: number; vectors: number } {
  try {
    const db = new Database(dbOf(repo), { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT count(*) AS chunks, count(vector) AS vectors FROM chunks').get() as { chunks: number; vectors: number };
    } finally {
      db.close();
    }
  } catch {
    return { chunks: 0, vectors: 0 };
  }
}

/** Every chunk's vector, by content, as bytes. */
function vectors(repo: string): string[] {
  const db = new Database(dbOf(repo), { readonly: true });
  try {
    return (db.prepare('SELECT path, start_line, content_hash, hex(vector) AS v FROM chunks ORDER BY path, start_line, content_hash').all() as Array<Record<string, string>>).map(
      (r) => `${r.path}:${r.start_line}:${r.content_hash}:${r.v}`,
    );
  } finally {
    db.close();
  }
}

describe('vectors filled behind the chunks', () => {
  it('kill -9 during the fill: searchable meanwhile, status says how far, the next run converges to a clean run', async () => {
    const repo = await bigRepo();
    const cli = spawnCli(['index', repo], { env });
    // Every chunk is written before any vector: then the fill has begun.
    await waitFor(() => {
      const c = counts(repo);
      return (c.chunks > 0 && c.vectors > 0) || cli.child.exitCode !== null;
    }, 60_000, 'the fill under way');
    cli.child.kill('SIGKILL');
    await cli.done;
    const after = counts(repo);
    expect(after.vectors).toBeLessThan(after.chunks); // killed mid-fill (a fill this size takes seconds)

    const found = await runCli(['search', 'retry handler', '--path', repo, '--json'], { env });
    expect(found.code, found.stderr).toBe(0);
    expect(onlyOneJson(found.stdout, found.stderr).results.length).toBeGreaterThan(0);
    const status = await runCli(['status', repo], { env });
    expect(status.stdout).toMatch(/vectors: [\d,]+ of [\d,]+ chunks — `cw index` fills the rest/);

    const rest = await runCli(['index', repo, '--json'], { env });
    expect(rest.code, rest.stderr).toBe(0);
    const summary = onlyOneJson(rest.stdout, rest.stderr);
    expect(summary.vectors_pending).toBe(0);
    expect(summary.chunks.embedded).toBeGreaterThan(0); // the rest, not everything again
    expect(counts(repo).vectors).toBe(counts(repo).chunks);

    const clean = await bigRepo();
    expect((await runCli(['index', clean], { env })).code).toBe(0);
    expect(vectors(repo)).toEqual(vectors(clean));
  }, 180_000);

  it('Ctrl-C during the fill: exit 130, the summary counts what is left, nothing is lost', async () => {
    const repo = await bigRepo();
    const cli = spawnCli(['index', repo, '--json'], { env });
    await waitFor(() => counts(repo).vectors > 0 || cli.child.exitCode !== null, 60_000, 'the fill under way');
    cli.child.kill('SIGINT');
    const res = await cli.done;
    expect(res.code, res.stderr).toBe(130);
    const summary = onlyOneJson(res.stdout, res.stderr);
    const left = counts(repo);
    expect(summary.vectors_pending).toBe(left.chunks - left.vectors);
    expect(summary.vectors_pending).toBeGreaterThan(0);
  }, 180_000);
});
