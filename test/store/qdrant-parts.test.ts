import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCollectionName, normaliseRemote } from '../../src/store/qdrant/collection-name.js';
import { documentSparseVector, querySparseVector, termId } from '../../src/store/ranking/bm25-sparse.js';
import { directoryPrefixes } from '../../src/store/qdrant.js';

describe('sparse vectors', () => {
  it('weights terms with saturated term frequency, unique sorted indices, code-aware terms', () => {
    const v = documentSparseVector('getUserName getUserName getUserName other');
    expect(new Set(v.indices).size).toBe(v.indices.length);
    expect([...v.indices].sort((a, b) => a - b)).toEqual(v.indices);
    const weight = (t: string) => v.values[v.indices.indexOf(termId(t))]!;
    // camelCase parts are terms too
    for (const t of ['getusername', 'get', 'user', 'name', 'other']) expect(v.indices).toContain(termId(t));
    // three occurrences weigh more than one, but less than three times as much (saturation)
    expect(weight('user')).toBeGreaterThan(weight('other'));
    expect(weight('user')).toBeLessThan(3 * weight('other'));
  });

  it('queries carry each distinct term once with weight 1 (Qdrant applies IDF)', () => {
    const q = querySparseVector('user user name');
    expect(q.indices).toHaveLength(2);
    expect(q.values).toEqual([1, 1]);
  });

  it('term ids are stable 32-bit values', () => {
    expect(termId('pool')).toBe(termId('pool'));
    expect(termId('pool')).not.toBe(termId('poll'));
    expect(termId('pool')).toBeGreaterThanOrEqual(0);
    expect(termId('pool')).toBeLessThan(2 ** 32);
  });
});

describe('default collection name', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cw-coll-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('ssh and https forms of one remote normalise alike', () => {
    const forms = [
      'git@github.com:Owner/Repo.git',
      'https://github.com/Owner/Repo.git',
      'https://user@github.com/Owner/Repo',
      'ssh://git@github.com:22/Owner/Repo.git',
    ];
    expect(new Set(forms.map(normaliseRemote))).toEqual(new Set(['github.com/owner/repo']));
  });

  it('comes from the origin remote, the same in every clone; else from the directory name', async () => {
    const a = path.join(dir, 'clone-a');
    const b = path.join(dir, 'other-name');
    for (const [repo, url] of [
      [a, 'git@github.com:owner/my-repo.git'],
      [b, 'https://github.com/owner/my-repo'],
    ] as const) {
      await mkdir(path.join(repo, '.git'), { recursive: true });
      await writeFile(
        path.join(repo, '.git', 'config'),
        `[core]\n\tbare = false\n[remote "upstream"]\n\turl = https://example.org/x/y.git\n[remote "origin"]\n\turl = ${url}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`,
      );
    }
    const nameA = await defaultCollectionName(path.join(a));
    expect(nameA).toBe(await defaultCollectionName(b));
    expect(nameA).toMatch(/^owner-my-repo-[0-9a-f]{8}$/);
    const sub = path.join(a, 'src', 'deep');
    await mkdir(sub, { recursive: true });
    expect(await defaultCollectionName(sub)).toBe(nameA);

    const plain = path.join(dir, 'Plain Dir!');
    await mkdir(plain);
    expect(await defaultCollectionName(plain)).toBe('Plain-Dir');
  });
});

describe('directory prefixes', () => {
  it('lists every ancestor directory of a path', () => {
    expect(directoryPrefixes('src/http/pool.ts')).toEqual(['src', 'src/http']);
    expect(directoryPrefixes('README.md')).toEqual([]);
  });
});
