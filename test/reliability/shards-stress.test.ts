/**
 * The sequence that once diverged on a loaded machine (issue 31: 2 of 7 runs), repeated: four
 * shards at once on a new collection, then a file deleted and one renamed, then three shards
 * at once (N 4 -> 3). After each round the collection holds exactly the points of a
 * single-process index of the same tree.
 */
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../e2e/cli-harness.js';
import { qdrantContents } from '../support/qdrant-contents.js';
import { CORPORA, makeRepo, onlyOneJson } from './harness.js';
import { qdrantRig } from './qdrant-harness.js';

const rig = qdrantRig('shards-stress');
const ROUNDS = 4;

async function index(repo: string, collection: string, ...flags: string[]) {
  const res = await runCli(['index', repo, '--collection', collection, '--json', ...flags], {
    env: cleanEnv({ VOYAGE_API_KEY: 'pa-shards', QDRANT_URL: rig.qdrant.url, CW_COMMIT: 'c0ffee1' }),
  });
  expect(res.code, res.stderr).toBe(0);
  return onlyOneJson(res.stdout, res.stderr);
}

/** What differs between two collections, point by point (empty when they hold the same index). */
function differences(a: string, b: string): string[] {
  const x = qdrantContents(rig.qdrant, a);
  const y = qdrantContents(rig.qdrant, b);
  const out: string[] = [];
  for (const [id, doc] of x) if (y.get(id) !== doc) out.push(`${a} ${id} ${doc.slice(0, 300)}\n  ${b}: ${y.get(id)?.slice(0, 300) ?? 'missing'}`);
  for (const [id, doc] of y) if (!x.has(id)) out.push(`${b} only ${id} ${doc.slice(0, 300)}`);
  return out;
}

describe('sharded runs after a change of N, repeated', () => {
  it(`${ROUNDS} rounds of 4 shards, a delete and a rename, 3 shards: each the same points as one process`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const repo = await makeRepo(rig.work.dir, CORPORA.undici, {
        embedding: { provider: 'voyage', base_url: rig.voyage.baseUrl, batch_size: 16, concurrency: 2, dimensions: 256 },
        store: { kind: 'qdrant', upsert_batch_size: 64 },
      });
      const collection = `stress${round}`;
      await Promise.all([1, 2, 3, 4].map((i) => index(repo, collection, '--shard', `${i}/4`)));
      const files = [...qdrantContents(rig.qdrant, collection).values()]
        .map((d) => JSON.parse(d).payload)
        .filter((p) => p.kind === 'file' && /^lib\/.*\.js$/.test(p.path))
        .map((p) => p.path as string)
        .sort();
      await rm(path.join(repo, files[round % files.length]!));
      const moved = files[(round + 7) % files.length]!;
      await rename(path.join(repo, moved), path.join(repo, moved.replace(/\.js$/, '.renamed.js')));
      await Promise.all([1, 2, 3].map((i) => index(repo, collection, '--shard', `${i}/3`)));
      await index(repo, `${collection}-single`);
      expect(differences(collection, `${collection}-single`), `round ${round}`).toEqual([]);
    }
  }, 600_000);
});
