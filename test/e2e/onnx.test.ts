/**
 * The onnx provider through the real CLI: a model made for the tests served by a loopback hub in
 * the Hugging Face URL layout (nothing reaches the internet), fetched into the hub cache at first
 * use, indexed and searched hybrid; reruns reuse vectors; offline use from the cache; the opt-in
 * runtime refused with the fix; the default model when none is named; cw model pull and list.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ONNX_MODEL } from '../../src/embedding/onnx/known-models.js';
import { runtimeDir } from '../../src/embedding/onnx/runtime.js';
import { startHubServer, type HubServer } from '../doubles/hub/server.js';
import { CORPORA, makeRepo, workDir } from '../reliability/harness.js';
import { snapshotEmbeddedIndex } from '../support/index-snapshot.js';
import { fixtureFiles, TINY_BPE_EMBEDDER, TINY_EMBEDDER } from '../support/model-fixtures.js';
import { assertBuilt, cleanEnv, onlyJson, runCli } from './cli-harness.js';

const FIXTURE = TINY_EMBEDDER;
const REPO_ID = 'test-org/tiny-embedder';
/** The runtime the suite's global setup installed (cleanEnv's HOME is empty: name it). */
const RUNTIME = { CODEWEAVER_RUNTIME_DIR: path.dirname(runtimeDir(process.env)) };

/** Every stored vector, by chunk, as bytes. */
function vectorsOf(repo: string): string[] {
  const db = new Database(path.join(repo, '.codeweaver', 'index.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT path, start_line, content_hash, hex(vector) AS v FROM chunks ORDER BY path, start_line, content_hash').all() as Array<Record<string, string>>).map(
      (r) => `${r.path}:${r.start_line}:${r.content_hash}:${r.v}`,
    );
  } finally {
    db.close();
  }
}

let work: Awaited<ReturnType<typeof workDir>>;
let hub: HubServer | null = null;
let hfHome: string;
beforeAll(async () => {
  assertBuilt();
  work = await workDir('onnx');
});
afterEach(async () => {
  await hub?.close();
  hub = null;
  await rm(hfHome, { recursive: true, force: true });
});
afterAll(() => work.cleanup());

async function hubEnv(extra: Record<string, string> = {}, served: { repo: string; dir: string } = { repo: REPO_ID, dir: FIXTURE }) {
  hub = await startHubServer(served.repo, fixtureFiles(served.dir));
  hfHome = await mkdtemp(path.join(os.tmpdir(), 'cw-hf-'));
  return cleanEnv({ ...RUNTIME, HF_HOME: hfHome, HF_ENDPOINT: hub.origin, ...extra });
}

describe('cw index and cw search with --provider onnx', () => {
  it('fetch the model at first use, index hybrid, search, and reuse every vector on a rerun', async () => {
    const env = await hubEnv();
    const repo = await makeRepo(work.dir, CORPORA.small, { embedding: { provider: 'onnx', model: REPO_ID } });
    const first = await runCli(['index', repo, '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    const summary = onlyJson(first);
    expect(summary).toMatchObject({ provider: 'onnx', model: REPO_ID, search_mode: 'hybrid', files: { failed: 0 } });
    expect(summary.chunks.embedded).toBeGreaterThan(0);
    const snap = snapshotEmbeddedIndex(path.join(repo, '.codeweaver', 'index.sqlite'));
    expect(snap.vectors).toBe(snap.chunks.length);
    // The files went into the hub cache, in its layout.
    const cached = path.join(hfHome, 'hub', 'models--test-org--tiny-embedder', 'snapshots', hub!.commit, 'onnx', 'model.onnx');
    expect(readFileSync(cached)).toEqual(readFileSync(path.join(FIXTURE, 'onnx', 'model.onnx')));

    // Cached: a search and a rerun use the files as they are, without a request to the hub.
    const afterFetch = hub!.requests.length;
    const found = await runCli(['search', 'retry handler', '--path', repo, '--json'], { env });
    expect(found.code, found.stderr).toBe(0);
    const doc = onlyJson(found);
    expect(doc.search_mode).toBe('hybrid');
    expect(doc.results.length).toBeGreaterThan(0);

    const again = onlyJson(await runCli(['index', repo, '--json'], { env }));
    expect(again.chunks).toMatchObject({ embedded: 0 });
    expect(hub!.requests.length).toBe(afterFetch);

    // Offline, from the cache: no request reaches the hub.
    const asked = hub!.requests.length;
    const offline = await runCli(['search', 'retry handler', '--path', repo, '--json'], { env: { ...env, HF_HUB_OFFLINE: '1' } });
    expect(offline.code, offline.stderr).toBe(0);
    expect(onlyJson(offline).results.map((r: any) => r.path)).toEqual(doc.results.map((r: any) => r.path));
    expect(hub!.requests.length).toBe(asked);
  });

  it('the model as a directory (an air-gapped copy) gives the same vectors as the hub\'s', async () => {
    const env = await hubEnv();
    const fromHub = await makeRepo(work.dir, CORPORA.small, { embedding: { provider: 'onnx', model: REPO_ID } });
    const fromDir = await makeRepo(work.dir, CORPORA.small, { embedding: { provider: 'onnx', model: FIXTURE } });
    for (const repo of [fromHub, fromDir]) expect((await runCli(['index', repo], { env })).code).toBe(0);
    const a = snapshotEmbeddedIndex(path.join(fromHub, '.codeweaver', 'index.sqlite'));
    const b = snapshotEmbeddedIndex(path.join(fromDir, '.codeweaver', 'index.sqlite'));
    expect(a.chunks).toEqual(b.chunks);
    expect(vectorsOf(fromHub)).toEqual(vectorsOf(fromDir));
  });

  it('without the runtime, or without a model, one line with the fix; exit 2; nothing written', async () => {
    const env = await hubEnv();
    const repo = await makeRepo(work.dir, CORPORA.small, { embedding: { provider: 'onnx', model: FIXTURE } });
    const noRuntime = await runCli(['index', repo], { env: { ...env, CODEWEAVER_RUNTIME_DIR: path.join(hfHome, 'no-runtime') } });
    expect(noRuntime.code).toBe(2);
    expect(noRuntime.stderr.trim()).toMatch(/^cw: error: the onnx provider needs ONNX Runtime, which is not installed — run cw model install-runtime \(installs onnxruntime-node@1\.23\.2/);
    expect(existsSync(path.join(repo, '.codeweaver', 'index.sqlite'))).toBe(false);
    const noModel = await runCli(['index', repo, '--provider', 'onnx', '--model', ''], { env });
    expect(noModel.code).toBe(2);
  });

  it('with no model named, the default: fetched under its name, pooled as it was trained (CLS), searched; cw model pull fetches it too', async () => {
    // A model made for the tests, in the default's export layout, served under the default's name.
    const env = await hubEnv({}, { repo: DEFAULT_ONNX_MODEL, dir: TINY_BPE_EMBEDDER });
    const repo = await makeRepo(work.dir, CORPORA.small, { embedding: { provider: 'onnx' } });
    const run = await runCli(['index', repo, '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(onlyJson(run)).toMatchObject({ provider: 'onnx', model: DEFAULT_ONNX_MODEL, search_mode: 'hybrid' });
    expect(hub!.requests.some((r) => r.url.includes(`/${DEFAULT_ONNX_MODEL}/resolve/`))).toBe(true);
    // Off a TTY (a CI log), each file's download is told as it starts and ends: a first run is not silent.
    expect(run.stderr).toMatch(/downloading tokenizer\.json · 100% · /);
    expect(run.stderr).toMatch(/downloading onnx\/model\.onnx · 100% · (\d+) KB of \1 KB/);
    const found = await runCli(['search', 'retry handler', '--path', repo, '--json'], { env });
    expect(found.code, found.stderr).toBe(0);
    expect(onlyJson(found)).toMatchObject({ search_mode: 'hybrid' });

    // `cw model pull` with nothing named, in a repository with no onnx model configured: the default.
    const elsewhere = await makeRepo(work.dir, CORPORA.small);
    const pulled = await runCli(['model', 'pull', '--json'], { env, cwd: elsewhere });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(onlyJson(pulled)).toMatchObject({ model: DEFAULT_ONNX_MODEL, pooling: 'cls' });
  });
});

describe('the int8 export (embedding.quantized, or #q8 after the name)', () => {
  it('fetches and runs onnx/model_quantized.onnx only, records the model as #q8, and refuses to mix it with the full-precision export', async () => {
    const files = fixtureFiles(TINY_BPE_EMBEDDER);
    hub = await startHubServer(DEFAULT_ONNX_MODEL, { ...files, 'onnx/model_quantized.onnx': files['onnx/model.onnx']! });
    hfHome = await mkdtemp(path.join(os.tmpdir(), 'cw-hf-'));
    const env = cleanEnv({ ...RUNTIME, HF_HOME: hfHome, HF_ENDPOINT: hub.origin });
    const repo = await makeRepo(work.dir, CORPORA.small, { embedding: { provider: 'onnx', quantized: true } });
    // cw config names the model a run would record.
    const shown = await runCli(['config', repo], { env });
    expect(shown.stdout).toMatch(new RegExp(`^# model: onnx/${DEFAULT_ONNX_MODEL}#q8$`, 'm'));
    const run = await runCli(['index', repo, '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(onlyJson(run)).toMatchObject({ model: `${DEFAULT_ONNX_MODEL}#q8`, search_mode: 'hybrid' });
    const graphs = hub.requests.map((r) => r.url).filter((u) => u.includes('/resolve/') && u.endsWith('.onnx'));
    expect(graphs.some((u) => u.endsWith('/onnx/model_quantized.onnx'))).toBe(true);
    expect(graphs.some((u) => u.endsWith('/onnx/model.onnx'))).toBe(false);

    // A search embeds the query with the export that made the index.
    const found = await runCli(['search', 'retry handler', '--path', repo, '--json'], { env });
    expect(found.code, found.stderr).toBe(0);
    expect(onlyJson(found)).toMatchObject({ search_mode: 'hybrid' });
    // The same export named with #q8: the same model; a plain rerun keeps it (the index says
    // which export made it); the full-precision export asked for by name is another model, refused.
    const named = await makeRepo(work.dir, CORPORA.small, { embedding: { provider: 'onnx' } });
    const byName = await runCli(['index', named, '--model', `${DEFAULT_ONNX_MODEL}#q8`, '--json'], { env });
    expect(byName.code, byName.stderr).toBe(0);
    expect(onlyJson(byName)).toMatchObject({ model: `${DEFAULT_ONNX_MODEL}#q8` });
    // Two clean runs of one tree: the same vectors to the last bit (the fill's batches do not
    // depend on the order files were written in; a model's output does on its batch).
    expect(vectorsOf(named)).toEqual(vectorsOf(repo));
    const plain = await runCli(['index', named, '--json'], { env });
    expect(plain.code, plain.stderr).toBe(0);
    expect(onlyJson(plain)).toMatchObject({ model: `${DEFAULT_ONNX_MODEL}#q8`, chunks: { embedded: 0 } });
    const other = await runCli(['index', named, '--model', DEFAULT_ONNX_MODEL], { env });
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(`${DEFAULT_ONNX_MODEL}#q8`);
    expect(other.stderr).toContain('--full');

    // A model with no int8 export (a directory holding only the full one): one line naming the file; nothing written.
    const none = await makeRepo(work.dir, CORPORA.small, { embedding: { provider: 'onnx', model: `${TINY_BPE_EMBEDDER}#q8` } });
    const refused = await runCli(['index', none], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toMatch(/^cw: error: .*tiny-bpe-embedder: no ONNX export \(onnx\/model_quantized\.onnx\)/);
    expect(existsSync(path.join(none, '.codeweaver', 'index.sqlite'))).toBe(false);
  });
});

describe('cw index --dry-run with onnx', () => {
  it('states the time the model would take here (timed on this machine), not a cost; downloads nothing', async () => {
    const env = await hubEnv();
    const local = await makeRepo(work.dir, CORPORA.small, { embedding: { provider: 'onnx', model: FIXTURE } });
    const timed = await runCli(['index', local, '--dry-run', '--json'], { env });
    expect(timed.code, timed.stderr).toBe(0);
    const doc = onlyJson(timed);
    expect(doc.measured_tokens_per_second).toBeGreaterThan(0);
    expect(doc.estimated_seconds).toBe(Math.round(doc.tokens / doc.measured_tokens_per_second));
    const text = await runCli(['index', local, '--dry-run'], { env });
    expect(text.stdout).toMatch(/estimated time: ~.* of embedding on this machine \([\d,]+ tokens\/s measured\); no cost/);
    expect(text.stdout).not.toContain('estimated cost');
    expect(existsSync(path.join(local, '.codeweaver', 'index.sqlite'))).toBe(false);

    // A hub model not yet downloaded: a dry run does not fetch it, and says it cannot time the run.
    const remote = await makeRepo(work.dir, CORPORA.small, { embedding: { provider: 'onnx', model: REPO_ID } });
    const untimed = await runCli(['index', remote, '--dry-run'], { env });
    expect(untimed.code, untimed.stderr).toBe(0);
    expect(untimed.stderr).toMatch(/warning: onnx\/test-org\/tiny-embedder: no time estimate — .*not in the model cache and HF_HUB_OFFLINE is set/);
    expect(untimed.stdout).toContain('estimated time: unknown');
    expect(hub!.requests).toHaveLength(0);
  });
});

describe('cw model', () => {
  it('pull fetches a model into the hub cache (resumable, checked); list shows it usable; offline without it is exit 2 naming the files', async () => {
    const env = await hubEnv();
    const pulled = await runCli(['model', 'pull', REPO_ID, '--json'], { env });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(onlyJson(pulled)).toMatchObject({ model: REPO_ID, dimensions: 32, max_tokens: 128, pooling: 'mean' });
    const listed = onlyJson(await runCli(['model', 'list', '--json'], { env }));
    expect(listed.models).toEqual([expect.objectContaining({ repo: REPO_ID, usable: true })]);
    expect(listed.models[0].bytes).toBeGreaterThan(20_000);

    const elsewhere = cleanEnv({ ...RUNTIME, HF_HOME: path.join(hfHome, 'empty'), HF_HUB_OFFLINE: '1' });
    const offline = await runCli(['model', 'pull', REPO_ID], { env: elsewhere });
    expect(offline.code).toBe(2);
    expect(offline.stderr).toMatch(/config\.json, tokenizer\.json not in the model cache and HF_HUB_OFFLINE is set — run cw model pull test-org\/tiny-embedder where/);
  });

  it('install-runtime says where the runtime is (installed by the suite as a user would)', async () => {
    const res = await runCli(['model', 'install-runtime', '--json'], { env: cleanEnv(RUNTIME) });
    expect(res.code, res.stderr).toBe(0);
    expect(onlyJson(res)).toMatchObject({ runtime: 'onnxruntime-node', version: '1.23.2', installed_now: false, dir: runtimeDir(RUNTIME) });
  });
});
