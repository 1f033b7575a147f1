/**
 * A rerun skips reading files whose stat data are as recorded, and never misses a change:
 * touched files are not re-indexed (and are skipped the time after), racy and back-dated edits
 * are, a fresh clone compares hashes and embeds nothing, and the result always equals a fresh
 * index of the tree.
 */
import { cp, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { RACY_MARGIN_NS, recordableStatKey, statKey, type StatData } from '../../src/discovery/stat-data.js';
import { Session } from '../../src/session/session.js';
import { startVoyageServer, type ProviderServer } from '../embedding/servers/index.js';
import { PROJECT_ROOT } from '../e2e/cli-harness.js';
import { snapshotEmbeddedIndex } from '../support/index-snapshot.js';

const CORPUS = path.join(PROJECT_ROOT, 'node_modules', 'undici', 'lib', 'handler');
const SECOND = 1_000_000_000n;

let dir: string;
const sessions: Session[] = [];
let server: ProviderServer | null = null;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cw-stat-'));
});
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  await server?.close();
  server = null;
  await rm(dir, { recursive: true, force: true });
});

async function repo(name: string, config: Record<string, unknown> = {}): Promise<string> {
  const root = path.join(dir, name);
  await cp(CORPUS, path.join(root, 'lib'), { recursive: true });
  await writeFile(path.join(root, 'codeweaver.config.json'), JSON.stringify(config));
  // Binary by content (a NUL byte; the name says nothing): left out after reading it.
  await writeFile(path.join(root, 'lib', 'notes.txt'), Buffer.from([0x68, 0x69, 0, 0x21, 0x0a]));
  // Older than the racy margin, as a checkout made a while ago is.
  await age(root);
  return root;
}

/** Moves every file's times back a minute (their ctime becomes now: run after, files are racy by ctime). */
async function age(root: string): Promise<void> {
  const { readdir } = await import('node:fs/promises');
  const then = new Date(Date.now() - 60_000);
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) await utimes(path.join(e.parentPath, e.name), then, then);
  }
}

async function open(root: string, env: NodeJS.ProcessEnv = {}): Promise<Session> {
  const s = new Session({ root, loaded: await loadConfig({ searchFrom: root, env }), env });
  sessions.push(s);
  return s;
}

const db = (root: string) => path.join(root, '.codeweaver', 'index.sqlite');
const contents = (root: string) => {
  const s = snapshotEmbeddedIndex(db(root));
  return { files: s.files, chunks: s.chunks, ids: s.ids, fts: s.ftsRows, ftsTotals: s.ftsTotals };
};

/** Waits (polling, bounded) until every file of the tree is older than the racy margin by our clock. */
async function pastRacyMargin(root: string): Promise<void> {
  const { readdir } = await import('node:fs/promises');
  let newest = 0n;
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || e.parentPath.includes('.codeweaver')) continue;
    const st = await stat(path.join(e.parentPath, e.name), { bigint: true });
    for (const t of [st.mtimeNs, st.ctimeNs]) if (t > newest) newest = t;
  }
  const deadline = Date.now() + 10_000;
  while (BigInt(Date.now()) * 1_000_000n - newest <= RACY_MARGIN_NS) {
    if (Date.now() > deadline) throw new Error('the clock did not pass the racy margin');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What a clean index of the tree holds now: built from a copy by a session of its own. */
async function fresh(root: string): Promise<ReturnType<typeof contents>> {
  const copy = path.join(dir, `fresh-${Math.random().toString(36).slice(2)}`);
  await cp(root, copy, { recursive: true, filter: (src) => !src.includes(`${path.sep}.codeweaver`) });
  await (await open(copy)).index();
  return contents(copy);
}

describe('stat data: a rerun reads only what may have changed', () => {
  it('a rerun with nothing changed reads nothing; touched files are read once, not re-indexed, then skipped again', async () => {
    const root = await repo('touch');
    // ctimes are fresh after age(): the first run reads everything and records no stat data yet.
    await pastRacyMargin(root);
    const s = await open(root);
    const first = await s.index();
    expect(first.files.indexed).toBeGreaterThan(5);
    const second = await s.index();
    expect(second.files).toMatchObject({ unchanged: first.files.indexed, unchanged_by_stat: first.files.indexed, indexed: 0, read: 0 });
    expect(second.bytes_read).toBe(0);
    // Files left out for their content are not read again either, and still counted as skipped.
    expect(second.files.skipped).toEqual(first.files.skipped);
    expect(first.files.skipped.binary).toBe(1);

    const touched = path.join(root, 'lib', 'retry-handler.js');
    const later = new Date(Date.now() - 30_000);
    await utimes(touched, later, later); // mtime moves, content the same
    const third = await s.index();
    expect(third.files).toMatchObject({ indexed: 0, unchanged: first.files.indexed, unchanged_by_stat: first.files.indexed - 1, read: 1 });
    expect(third.bytes_read).toBe((await stat(touched)).size);
    expect(contents(root)).toEqual(await fresh(root));
    // Its ctime is new (racy): it is read once more after the margin, then skipped like the rest.
    await pastRacyMargin(root);
    await s.index();
    expect((await s.index()).files.unchanged_by_stat).toBe(first.files.indexed);
    // The binary file becomes text: read again (its stat data changed), and indexed.
    await writeFile(path.join(root, 'lib', 'notes.txt'), 'now plain text\n');
    const fourth = await s.index();
    expect(fourth.files).toMatchObject({ indexed: 1, read: 1 });
    expect(fourth.files.skipped.binary).toBeUndefined();
    expect(contents(root)).toEqual(await fresh(root));
  }, 30_000);

  it('an edit of the same size within the same tick is re-indexed (racy), and so is one dated back in time', async () => {
    const root = await repo('racy');
    const s = await open(root);
    await s.index(); // files just aged: racy by ctime, recorded without stat data
    const file = path.join(root, 'lib', 'redirect-handler.js');
    const before = await stat(file, { bigint: true });
    const text = await readFile(file, 'utf8');
    const edited = text.replace('redirect', 'REDIRECT'); // same length
    expect(edited.length).toBe(text.length);
    await writeFile(file, edited);
    // A coarse filesystem would give the same times: restore them. (On Linux the new ctime alone
    // already tells the edit apart; the racy rule itself is unit-tested below.)
    await utimes(file, new Date(Number(before.atimeMs)), new Date(Number(before.mtimeMs)));
    const racy = await s.index();
    expect(racy.files.indexed).toBe(1);
    expect(contents(root)).toEqual(await fresh(root));

    // Let every stat be recorded, then edit and set the mtime a day back.
    await pastRacyMargin(root);
    await s.index();
    expect((await s.index()).files.unchanged_by_stat).toBeGreaterThan(5);
    await writeFile(file, edited.replace('REDIRECT', 'redirect') + '\n// later\n');
    const dayAgo = new Date(Date.now() - 86_400_000);
    await utimes(file, dayAgo, dayAgo);
    const backdated = await s.index();
    expect(backdated.files.indexed).toBe(1);
    expect(contents(root)).toEqual(await fresh(root));
  }, 30_000);

  it('a fresh clone of an indexed tree (new inodes and times) compares hashes: no embedding is made', async () => {
    server = await startVoyageServer({ dims: 256 });
    const env = { VOYAGE_API_KEY: 'pa-stat-test-key' };
    const root = await repo('clone', { embedding: { provider: 'voyage', base_url: server.baseUrl, dimensions: 256 } });
    await (await open(root, env)).index();
    const requests = server.requests.length;
    expect(requests).toBeGreaterThan(0);
    const clone = path.join(dir, 'the-clone');
    await cp(root, clone, { recursive: true }); // the index travels with it (a cache restored in CI)
    const again = await (await open(clone, env)).index();
    expect(again.files).toMatchObject({ indexed: 0, unchanged_by_stat: 0 });
    expect(again.files.unchanged).toBeGreaterThan(5);
    expect(server.requests.length).toBe(requests);
  }, 30_000);
});

describe('recordableStatKey', () => {
  const base: StatData = { size: 10, mtimeNs: 100n * SECOND, ctimeNs: 100n * SECOND, ino: 7n, dev: 1n, takenAtNs: 110n * SECOND };
  it('records files clearly older than their stat; a file changed within the margin, or dated after it, is racy', () => {
    expect(recordableStatKey(base, 'sig')).toBe(statKey(base, 'sig'));
    expect(recordableStatKey({ ...base, mtimeNs: 108n * SECOND }, 'sig')).toBeNull();
    expect(recordableStatKey({ ...base, ctimeNs: 109n * SECOND }, 'sig')).toBeNull();
    expect(recordableStatKey({ ...base, mtimeNs: 200n * SECOND }, 'sig')).toBeNull(); // a clock that moved back
  });
  it('any of size, times, inode, device or the chunker signature makes another key', () => {
    const key = statKey(base, 'sig');
    for (const other of [{ size: 11 }, { mtimeNs: 1n }, { ctimeNs: 1n }, { ino: 8n }, { dev: 2n }]) expect(statKey({ ...base, ...other }, 'sig')).not.toBe(key);
    expect(statKey(base, 'sig2')).not.toBe(key);
  });
});
