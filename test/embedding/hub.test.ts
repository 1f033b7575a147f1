/**
 * Model files from a (loopback) Hugging Face hub into the shared cache layout: what huggingface_hub
 * would find, a resumed download, a corrupted one fetched again, offline use, the token kept to the
 * hub. Tests never reach the internet.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoDir } from '../../src/embedding/hub/cache.js';
import { HubDownloader, ModelFilesMissingError } from '../../src/embedding/hub/download.js';
import { UsageError } from '../../src/errors.js';
import { HttpClientPool } from '../../src/http/pool.js';
import { startHubServer, type HubServer } from '../doubles/hub/server.js';

const REPO = 'test-org/tiny-embedder';
const FILES = {
  'config.json': Buffer.from('{"hidden_size": 16}\n'),
  'tokenizer.json': Buffer.from('{"version": "1.0", "model": {"type": "WordPiece"}}\n'),
  'onnx/model.onnx': randomBytes(300_000), // an LFS file: served from the CDN
};
const FAST = { maxAttempts: 4, maxTotalWaitMs: 2_000, baseDelayMs: 1, maxDelayMs: 10 };

let home: string;
let hub: HubServer | null = null;
let pool: HttpClientPool;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'cw-hf-'));
  // A stalled download is given up after 0.3 s of silence (then resumed).
  pool = new HttpClientPool({ read_timeout: 0.3 });
});
afterEach(async () => {
  await pool.destroyAll();
  await hub?.close();
  hub = null;
  await rm(home, { recursive: true, force: true });
});

function downloader(env: Record<string, string> = {}, onProgress?: (p: { received: number; total: number }) => void) {
  return new HubDownloader({ fetch: pool.getClient('huggingface').fetch, env: { HF_HOME: home, HF_ENDPOINT: hub!.origin, ...env }, onProgress, retryPolicy: FAST });
}
const names = Object.keys(FILES);
const downloads = () => hub!.requests.filter((r) => r.method === 'GET');

describe('HubDownloader', () => {
  it('fetches into the hub cache layout: refs, blobs named by hash, snapshot links', async () => {
    hub = await startHubServer(REPO, FILES);
    const seen: number[] = [];
    const paths = await downloader({}, (p) => seen.push(p.received)).files(REPO, 'main', names);
    const repoDir = path.join(home, 'hub', 'models--test-org--tiny-embedder');
    expect(readFileSync(path.join(repoDir, 'refs', 'main'), 'utf8')).toBe(hub.commit);
    for (const [i, name] of names.entries()) {
      expect(paths[i]).toBe(path.join(repoDir, 'snapshots', hub.commit, ...name.split('/')));
      expect(lstatSync(paths[i]!).isSymbolicLink()).toBe(true);
      expect(path.isAbsolute(readlinkSync(paths[i]!))).toBe(false); // relative, as huggingface_hub makes them
      expect(readFileSync(paths[i]!)).toEqual(FILES[name as keyof typeof FILES]);
    }
    const sha = createHash('sha256').update(FILES['onnx/model.onnx']).digest('hex');
    expect(existsSync(path.join(repoDir, 'blobs', sha))).toBe(true);
    expect(seen.at(-1)).toBe(FILES['onnx/model.onnx'].length);

    // Cached: a second call asks the hub which commit main is at, and downloads nothing.
    const before = downloads().length;
    await downloader().files(REPO, 'main', names);
    expect(downloads().length).toBe(before);
  });

  it('a stalled download resumes from what arrived (a Range request), and the result is whole', async () => {
    hub = await startHubServer(REPO, FILES);
    hub.stallDownloads(100_000, 1);
    const [model] = await downloader().files(REPO, 'main', ['onnx/model.onnx']);
    expect(readFileSync(model!)).toEqual(FILES['onnx/model.onnx']);
    const ranged = downloads().filter((r) => r.headers.range);
    expect(ranged.map((r) => r.headers.range)).toEqual(['bytes=100000-']);
  });

  it('a download given up by one process is resumed by the next (the .incomplete file stays)', async () => {
    hub = await startHubServer(REPO, FILES);
    hub.stallDownloads(20_000, 99); // every attempt of this process stalls
    await expect(downloader().files(REPO, 'main', ['onnx/model.onnx'])).rejects.toThrow();
    hub.stallDownloads(0, 0);
    const [model] = await downloader().files(REPO, 'main', ['onnx/model.onnx']);
    expect(readFileSync(model!)).toEqual(FILES['onnx/model.onnx']);
    const ranges = downloads().map((r) => r.headers.range ?? 'none');
    expect(ranges.at(-1), ranges.join(' ')).toMatch(/^bytes=\d{5,6}-$/);
  });

  it('corrupted bytes are detected by the stated sha256 and fetched again; never kept', async () => {
    hub = await startHubServer(REPO, FILES);
    hub.corruptDownloads(1);
    const [model] = await downloader().files(REPO, 'main', ['onnx/model.onnx']);
    expect(readFileSync(model!)).toEqual(FILES['onnx/model.onnx']);
    expect(downloads().filter((r) => r.url.startsWith('/cdn/'))).toHaveLength(2); // fetched again, whole
    hub.corruptDownloads(5);
    const fresh = downloader({ HF_HOME: path.join(home, 'other') });
    await expect(fresh.files(REPO, 'main', ['onnx/model.onnx'])).rejects.toThrow(/hashing to .* the hub states 300000 bytes/);
    expect(existsSync(path.join(home, 'other', 'hub', 'models--test-org--tiny-embedder', 'snapshots'))).toBe(false);
  });

  it('offline (HF_HUB_OFFLINE=1 or the hub unreachable): the cache serves; a missing file is one error naming it and where it goes', async () => {
    hub = await startHubServer(REPO, FILES);
    await downloader().files(REPO, 'main', ['config.json']);
    const asked = hub.requests.length;
    const offline = downloader({ HF_HUB_OFFLINE: '1' });
    expect(readFileSync((await offline.files(REPO, 'main', ['config.json']))[0]!)).toEqual(FILES['config.json']);
    expect(hub.requests.length).toBe(asked);
    const missing = await offline.files(REPO, 'main', ['config.json', 'tokenizer.json']).then(() => null, (e: unknown) => e as Error);
    expect(missing).toBeInstanceOf(ModelFilesMissingError);
    expect(missing!.message).toMatch(/^test-org\/tiny-embedder@main: tokenizer\.json not in the model cache and HF_HUB_OFFLINE is set — run cw model pull test-org\/tiny-embedder where .* is reachable and copy its hub cache folder models--test-org--tiny-embedder into .*\/hub here, or set HF_ENDPOINT to a mirror$/);

    await hub.close();
    const down = downloader();
    expect(readFileSync((await down.files(REPO, 'main', ['config.json']))[0]!)).toEqual(FILES['config.json']);
    await expect(down.files(REPO, 'main', ['tokenizer.json'])).rejects.toThrow(/tokenizer\.json not in the model cache and the hub is not reachable/);
    hub = null;
  });

  it('HF_TOKEN goes to the hub, never to the CDN it redirects to; no token for a gated model is a clear error', async () => {
    hub = await startHubServer(REPO, FILES, { token: 'hf_secret_token_1234' });
    await expect(downloader().files(REPO, 'main', ['config.json'])).rejects.toThrow(/refused access \(HTTP 401\) — a gated or private model needs HF_TOKEN/);
    await downloader({ HF_TOKEN: 'hf_secret_token_1234' }).files(REPO, 'main', names);
    const toHub = hub.requests.filter((r) => r.url.startsWith(`/${REPO}/`));
    expect(toHub.every((r) => r.headers.authorization === 'Bearer hf_secret_token_1234' || r === toHub[0])).toBe(true);
    expect(hub.requests.filter((r) => r.url.startsWith('/cdn/')).every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it('cache first (as the onnx provider asks): a cached file, or one recorded absent (.no_exist), costs no request', async () => {
    hub = await startHubServer(REPO, FILES);
    const first = new HubDownloader({ fetch: pool.getClient('huggingface').fetch, env: { HF_HOME: home, HF_ENDPOINT: hub.origin }, retryPolicy: FAST, cacheFirst: true });
    await first.files(REPO, 'main', ['config.json']);
    expect(await first.optionalFiles(REPO, 'main', ['1_Pooling/config.json'])).toEqual([null]);
    expect(existsSync(path.join(home, 'hub', 'models--test-org--tiny-embedder', '.no_exist', hub.commit, '1_Pooling', 'config.json'))).toBe(true);
    const asked = hub.requests.length;
    await first.files(REPO, 'main', ['config.json']);
    expect(await first.optionalFiles(REPO, 'main', ['1_Pooling/config.json'])).toEqual([null]);
    expect(hub.requests.length).toBe(asked);
    await downloader().files(REPO, 'main', ['config.json']); // without it (cw model pull): the hub is asked
    expect(hub.requests.length).toBeGreaterThan(asked);
  });

  it('a file the repository does not have is named, with the fix', async () => {
    hub = await startHubServer(REPO, FILES);
    await expect(downloader().files(REPO, 'main', ['onnx/model_fp16.onnx'])).rejects.toThrow(/no file onnx\/model_fp16\.onnx at revision main on http:\/\/127\.0\.0\.1:\d+ — check embedding\.model/);
  });

  it('a model another tool cached (huggingface_hub\'s layout, made by hand here) is used as it is, offline', async () => {
    const repoDir = path.join(home, 'hub', 'models--test-org--tiny-embedder');
    const commit = 'a'.repeat(40);
    const blob = createHash('sha256').update(FILES['onnx/model.onnx']).digest('hex');
    mkdirSync(path.join(repoDir, 'refs'), { recursive: true });
    mkdirSync(path.join(repoDir, 'blobs'), { recursive: true });
    mkdirSync(path.join(repoDir, 'snapshots', commit, 'onnx'), { recursive: true });
    writeFileSync(path.join(repoDir, 'refs', 'main'), commit);
    writeFileSync(path.join(repoDir, 'blobs', blob), FILES['onnx/model.onnx']);
    symlinkSync(path.join('..', '..', '..', 'blobs', blob), path.join(repoDir, 'snapshots', commit, 'onnx', 'model.onnx'));
    const [model] = await new HubDownloader({ fetch: pool.getClient('huggingface').fetch, env: { HF_HOME: home, HF_HUB_OFFLINE: '1' } }).files(REPO, 'main', ['onnx/model.onnx']);
    expect(model).toBe(path.join(repoDir, 'snapshots', commit, 'onnx', 'model.onnx'));
    expect(readFileSync(model!)).toEqual(FILES['onnx/model.onnx']);
  });
});

describe('a name that is not a repository', () => {
  it('is the user\'s to fix: a usage error (exit 2) saying what embedding.model takes', () => {
    for (const bad of ['org/name#q4', 'just-a-name', 'org/../etc']) {
      expect(() => repoDir('/tmp/hub', bad)).toThrow(UsageError);
      expect(() => repoDir('/tmp/hub', bad)).toThrow(/embedding\.model takes org\/name/);
    }
    expect(repoDir('/tmp/hub', 'org/name')).toBe(path.join('/tmp/hub', 'models--org--name'));
  });
});
