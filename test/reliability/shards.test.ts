/**
 * Sharded indexing through the real CLI against the validating Qdrant double: shards running
 * at once into one collection, a shard killed with -9, files deleted and renamed between runs,
 * a change of N, and a `--full --build` published only when every shard has finished. After
 * each, the collection holds exactly the points of a single-process index of the same tree.
 */
import { appendFile, copyFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inShard } from '../../src/discovery/shard.js';
import { cleanEnv, runCli, spawnCli } from '../e2e/cli-harness.js';
import { expectSameQdrantIndex, qdrantContents } from '../support/qdrant-contents.js';
import { CORPORA, makeRepo, onlyOneJson, waitFor } from './harness.js';
import { qdrantRig } from './qdrant-harness.js';

const rig = qdrantRig('shards');

const config = () => ({
  embedding: { provider: 'voyage', base_url: rig.voyage.baseUrl, batch_size: 16, concurrency: 2, dimensions: 256 },
  store: { kind: 'qdrant', upsert_batch_size: 64 },
});
const env = (extra: Record<string, string> = {}) => cleanEnv({ VOYAGE_API_KEY: 'pa-shards', QDRANT_URL: rig.qdrant.url, CW_COMMIT: 'c0ffee1', ...extra });

async function cw(args: string[], extra: Record<string, string> = {}) {
  const res = await runCli([...args, '--json'], { env: env(extra) });
  return { ...res, doc: res.stdout.trim() ? onlyOneJson(res.stdout, res.stderr) : null };
}

async function index(repo: string, collection: string, ...flags: string[]) {
  const res = await cw(['index', repo, '--collection', collection, ...flags]);
  expect(res.code, res.stderr).toBe(0);
  return res.doc;
}

/** All N shards at once, as N CI workers would run them. */
async function allShards(repo: string, collection: string, n: number, ...flags: string[]) {
  return Promise.all(Array.from({ length: n }, (_, i) => index(repo, collection, '--shard', `${i + 1}/${n}`, ...flags)));
}

const contents = (collection: string) => qdrantContents(rig.qdrant, collection);
const expectSameIndex = (a: string, b: string) => expectSameQdrantIndex(rig.qdrant, a, b);

/** A single-process index of a copy of `repo`'s tree as it is now. */
async function freshIndexOf(repo: string, collection: string): Promise<void> {
  const res = await cw(['index', repo, '--collection', collection]);
  expect(res.code, res.stderr).toBe(0);
}

const recordedPaths = (alias: string) =>
  [...contents(alias).values()].map((d) => JSON.parse(d).payload).filter((p) => p.kind === 'file').map((p) => p.path as string);

const chunkUpserts = () =>
  rig.qdrant.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/points') && (r.body as any)?.points?.[0]?.payload?.kind === 'chunk').length;

describe('shards of one collection', () => {
  it('four shards at once give exactly the points of one process; each indexes only its own files', async () => {
    const repo = await makeRepo(rig.work.dir, CORPORA.undici, config());
    const runs = await allShards(repo, 'sharded', 4);
    const indexed = runs.map((r) => r.files.indexed as number);
    expect(indexed.every((n) => n > 0)).toBe(true);
    await freshIndexOf(repo, 'single');
    expectSameIndex('sharded', 'single');
    expect(indexed.reduce((a, b) => a + b, 0)).toBe(recordedPaths('single').length);

    // Each shard recorded its run; status says the set is complete, at the commit indexed.
    const status = await cw(['status', repo, '--collection', 'sharded']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.doc.shards).toMatchObject({ shards: 4, complete: true, commit: 'c0ffee1', missing: [] });
    expect(status.doc.shards.runs.map((r: any) => [r.shard, r.outcome, r.files.indexed])).toEqual(indexed.map((n, i) => [i + 1, 'complete', n]));

    // A rerun of one shard with nothing changed reads and writes nothing of the others.
    const again = await index(repo, 'sharded', '--shard', '2/4');
    expect(again.files.indexed).toBe(0);
    expect(again.files.unchanged).toBe(indexed[1]);
    expect(again.files.deleted).toBe(0);
  }, 120_000);

  it('kill -9 of one shard mid-run, then a rerun of that shard only: the same points as one process', async () => {
    const repo = await makeRepo(rig.work.dir, CORPORA.undici, config());
    await Promise.all([1, 2, 4].map((i) => index(repo, 'killed', '--shard', `${i}/4`)));
    const before = chunkUpserts();
    const cli = spawnCli(['index', repo, '--collection', 'killed', '--shard', '3/4'], { env: env() });
    await waitFor(() => chunkUpserts() >= before + 3 || cli.child.exitCode !== null, 30_000, 'shard 3 under way');
    cli.child.kill('SIGKILL');
    await cli.done;
    // Killed on its way: the shard's record says so, and the set is not complete.
    const during = await cw(['status', repo, '--collection', 'killed']);
    expect(during.doc.shards).toMatchObject({ complete: false, incomplete: [3] });

    const rerun = await index(repo, 'killed', '--shard', '3/4');
    expect(rerun.files.indexed + rerun.files.unchanged).toBeGreaterThan(0);
    await freshIndexOf(repo, 'killed-single');
    expectSameIndex('killed', 'killed-single');
  }, 120_000);

  it('files deleted and renamed are removed by their own shard only; after every shard, as one process', async () => {
    const repo = await makeRepo(rig.work.dir, CORPORA.undici, config());
    await allShards(repo, 'moved', 4);
    const files = recordedPaths('moved').filter((p) => p.startsWith('lib/') && p.endsWith('.js'));
    // One deleted and one renamed file in each shard's part of the tree.
    const victims: Array<{ shard: number; deleted: string; renamed: string; to: string }> = [];
    for (let shard = 1; shard <= 4; shard++) {
      const own = files.filter((p) => inShard(p, { index: shard, count: 4 }));
      victims.push({ shard, deleted: own[0]!, renamed: own[1]!, to: own[1]!.replace(/\.js$/, '.moved.js') });
    }
    for (const v of victims) {
      await rm(path.join(repo, v.deleted));
      await rename(path.join(repo, v.renamed), path.join(repo, v.to));
    }
    const first = await index(repo, 'moved', '--shard', '1/4');
    const recorded = new Set(recordedPaths('moved'));
    for (const v of victims) {
      // Shard 1 removed its own deleted and renamed files; the others' are still recorded.
      expect(recorded.has(v.deleted), v.deleted).toBe(v.shard !== 1);
      expect(recorded.has(v.renamed), v.renamed).toBe(v.shard !== 1);
    }
    expect(first.files.deleted).toBe(2);
    await Promise.all([2, 3, 4].map((i) => index(repo, 'moved', '--shard', `${i}/4`)));
    await freshIndexOf(repo, 'moved-single');
    expectSameIndex('moved', 'moved-single');
  }, 120_000);

  it('N changed from 4 to 3 between runs: after the three shards, the same points as one process', async () => {
    const repo = await makeRepo(rig.work.dir, CORPORA.undici, config());
    await allShards(repo, 'resharded', 4);
    const files = recordedPaths('resharded').filter((p) => p.startsWith('lib/') && p.endsWith('.js'));
    await rm(path.join(repo, files[3]!));
    await appendFile(path.join(repo, files[5]!), '\n// changed between the runs\n');
    // A copy under a new path: its shard embeds none of it, whichever shard holds the original.
    await copyFile(path.join(repo, files[7]!), path.join(repo, 'lib', 'copied-file.js'));
    const embeddedBefore = rig.voyage.requests.length;
    const runs = await allShards(repo, 'resharded', 3);
    // Files change hands between the cuts; none is embedded again for that alone.
    expect(runs.reduce((n, r) => n + (r.files.indexed as number), 0)).toBe(2);
    const copied = runs.find((r) => inShard('lib/copied-file.js', { index: runs.indexOf(r) + 1, count: 3 }))!;
    expect(copied.chunks.reused).toBeGreaterThan(0);
    // Only the changed file's new chunk(s) went to the provider: one request at most per shard that had one.
    const sent = rig.voyage.requests.slice(embeddedBefore).flatMap((r) => (r.body as { input: string[] }).input);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((text) => text.includes('changed between the runs'))).toBe(true);
    await freshIndexOf(repo, 'resharded-single');
    expectSameIndex('resharded', 'resharded-single');
    const status = await cw(['status', repo, '--collection', 'resharded']);
    expect(status.doc.shards).toMatchObject({ shards: 3, complete: true });
  }, 120_000);
});

describe('a sharded --full build and cw publish', () => {
  it('searches see the old index until publish, the new one after; publish with a shard missing is refused and changes nothing', async () => {
    const repo = await makeRepo(rig.work.dir, CORPORA.small, config());
    await index(repo, 'live');
    const oldCollection = rig.qdrant.aliases().get('live');
    await writeFile(path.join(repo, 'lib', 'zebrafinch.js'), 'export function zebrafinchSong() {\n  return "zebrafinch";\n}\n');
    const search = async () => {
      const res = await cw(['search', 'zebrafinchSong', '--path', repo, '--collection', 'live']);
      expect(res.code, res.stderr).toBe(0);
      return (res.doc.results as Array<{ path: string }>).map((r) => r.path);
    };
    expect(await search()).not.toContain('lib/zebrafinch.js');

    await Promise.all([1, 3].map((i) => index(repo, 'live', '--full', '--shard', `${i}/3`, '--build', 'b7')));
    expect(await search()).not.toContain('lib/zebrafinch.js');

    const collectionsBefore = await listCollections();
    const refused = await cw(['publish', repo, '--collection', 'live', '--build', 'b7', '--shards', '3']);
    expect(refused.code).toBe(3);
    const errors = refused.stderr.split('\n').filter((l) => l.startsWith('cw: error:'));
    expect(errors).toEqual([expect.stringContaining('missing shard 2 of 3')]);
    expect(errors[0]).toContain('--shard 2/3 --build b7');
    expect(refused.doc.error.exit_code).toBe(3);
    expect(rig.qdrant.aliases().get('live')).toBe(oldCollection);
    expect(await listCollections()).toEqual(collectionsBefore);
    expect(await search()).not.toContain('lib/zebrafinch.js');

    // Another N for the same build is refused by publish as well.
    const wrongN = await cw(['publish', repo, '--collection', 'live', '--build', 'b7', '--shards', '2']);
    expect(wrongN.code).toBe(3);
    expect(wrongN.stderr).toContain('cut into 3 shards, not 2');

    const status = await cw(['status', repo, '--collection', 'live']);
    expect(status.doc.pending_builds).toEqual([expect.objectContaining({ build: 'b7', shards: 3, complete: false, missing: [2] })]);

    await index(repo, 'live', '--full', '--shard', '2/3', '--build', 'b7');
    const published = await cw(['publish', repo, '--collection', 'live', '--build', 'b7', '--shards', '3']);
    expect(published.code, published.stderr).toBe(0);
    expect(published.doc).toMatchObject({ build: 'b7', shards: 3, commit: 'c0ffee1', previous: oldCollection, already_live: false });
    expect(rig.qdrant.aliases().get('live')).toBe('live.cw-build-b7');
    expect(await listCollections()).not.toContain(oldCollection);
    expect(await search()).toContain('lib/zebrafinch.js');
    await freshIndexOf(repo, 'live-single');
    expectSameIndex('live', 'live-single');

    // A publish step retried by CI succeeds without changing anything.
    const again = await cw(['publish', repo, '--collection', 'live', '--build', 'b7', '--shards', '3']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.doc.already_live).toBe(true);
  }, 120_000);

  it('publish refuses shards of different commits, and a build whose shard was killed', async () => {
    const repo = await makeRepo(rig.work.dir, CORPORA.small, config());
    await index(repo, 'mixed', '--shard', '1/2', '--build', 'm1');
    const other = await cw(['index', repo, '--collection', 'mixed', '--shard', '2/2', '--build', 'm1'], { CW_COMMIT: 'deadbee' });
    expect(other.code, other.stderr).toBe(0);
    const refused = await cw(['publish', repo, '--collection', 'mixed', '--build', 'm1', '--shards', '2']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('different commits (1: c0ffee1, 2: deadbee)');
    expect(rig.qdrant.aliases().get('mixed')).not.toBe('mixed.cw-build-m1');

    // Rerun shard 2 at the first commit, and kill it once its run has started: held at its first request after that.
    let started = false;
    let held = false;
    let drop!: () => void;
    const hold = new Promise<void>((_, reject) => (drop = () => reject(new Error('client killed'))));
    rig.qdrant.beforeAnswer = async (req) => {
      if (started && !held) {
        held = true;
        await hold;
      }
      if ((req.body as any)?.points?.[0]?.payload?.outcome === 'running') started = true;
    };
    const cli = spawnCli(['index', repo, '--collection', 'mixed', '--shard', '2/2', '--build', 'm1'], { env: env() });
    await waitFor(() => held || cli.child.exitCode !== null, 30_000, 'shard 2 started');
    cli.child.kill('SIGKILL');
    await cli.done;
    drop();
    rig.qdrant.beforeAnswer = null;
    const killed = await cw(['publish', repo, '--collection', 'mixed', '--build', 'm1', '--shards', '2']);
    expect(killed.code).toBe(3);
    expect(killed.stderr).toContain('shard 2/2 did not complete (still running, or killed');
  }, 60_000);

  it('--full with --shard but no --build is refused with the fix, before anything is written', async () => {
    const repo = await makeRepo(rig.work.dir, CORPORA.small, config());
    const res = await cw(['index', repo, '--collection', 'nobuild', '--full', '--shard', '1/2']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('needs --build ID');
    expect(await listCollections()).toEqual([]);
  });
});

describe('the embedded store', () => {
  it('refuses --shard with one line pointing to Qdrant, and writes nothing', async () => {
    const repo = await makeRepo(rig.work.dir, CORPORA.small, {});
    const res = await runCli(['index', repo, '--shard', '1/2'], { env: cleanEnv() });
    expect(res.code).toBe(2);
    const errors = res.stderr.split('\n').filter((l) => l.startsWith('cw: error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('--shard needs the Qdrant store');
    const status = await runCli(['status', repo, '--json'], { env: cleanEnv() });
    expect(onlyOneJson(status.stdout).indexed).toBe(false);
  });

  it('refuses --shard and --build in a dry run too, as the real run would be', async () => {
    const repo = await makeRepo(rig.work.dir, CORPORA.small, {});
    for (const [args, says] of [
      [['--shard', '1/2'], '--shard needs the Qdrant store'],
      [['--build', 'b1', '--shard', '1/2'], 'needs the Qdrant store'],
    ] as const) {
      const res = await runCli(['index', repo, '--dry-run', ...args], { env: cleanEnv() });
      expect(res.code, res.stderr).toBe(2);
      const errors = res.stderr.split('\n').filter((l) => l.startsWith('cw: error:'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(says);
    }
  });
});

async function listCollections(): Promise<string[]> {
  const res = await fetch(`${rig.qdrant.url}/collections`);
  const body = (await res.json()) as { result: { collections: Array<{ name: string }> } };
  return body.result.collections.map((c) => c.name).sort();
}
