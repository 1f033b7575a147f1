import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outermostPaths, walkFiles, walkPaths, type DiscoveredFile, type WalkOptions } from '../../src/discovery/walk.js';
import { RunFilter } from '../../src/discovery/run-filter.js';
import { makeTree } from './tree.js';

const BASE: WalkOptions = { include: [], exclude: ['build/'], maxFileSize: 1000, respectGitignore: true };

async function paths(files: AsyncIterable<DiscoveredFile>): Promise<string[]> {
  const out: string[] = [];
  for await (const f of files) out.push(f.path);
  return out.sort();
}

/** What a whole walk finds at or below these paths: what walkPaths must find. */
async function expected(root: string, targets: string[], options: WalkOptions = BASE): Promise<string[]> {
  const all = await paths(walkFiles(root, options));
  return all.filter((p) => targets.some((t) => t === '' || p === t || p.startsWith(`${t}/`)));
}

describe('walkPaths: the whole walk, narrowed to some paths', () => {
  let tree: ReturnType<typeof makeTree>;
  beforeAll(() => {
    tree = makeTree({
      '.gitignore': '*.log\nignored-dir/\ngen/*\n!gen/keep.ts\n',
      '.git/info/exclude': 'info-excluded.txt\n',
      'info-excluded.txt': 'x',
      'a.ts': 'a',
      'debug.log': 'ignored',
      'ignored-dir/x.ts': 'x',
      'gen/a.ts': 'ignored',
      'gen/keep.ts': 're-included',
      'build/out.js': 'excluded by configuration',
      'node_modules/dep/index.js': 'default excluded',
      '.codeweaver/index.db': 'ours',
      'sub/.gitignore': 'local.txt\n!important.log\n',
      'sub/.cwignore': 'private/\n',
      'sub/important.log': 'nested negation',
      'sub/local.txt': 'nested rule',
      'sub/code.py': 'print(1)',
      'sub/private/p.ts': 'cwignored dir',
      'sub/deep/local.txt': 'rule applies below',
      'sub/deep/more.ts': 'kept',
      'big.ts': 'x'.repeat(2000),
    });
    symlinkSync(join(tree.root, 'sub'), join(tree.root, 'link-to-sub'));
    symlinkSync('/etc', join(tree.root, 'outside'));
  });
  afterAll(() => tree.cleanup());

  const cases: Array<[string, string[]]> = [
    ['a file', ['a.ts']],
    ['an ignored file', ['debug.log']],
    ['a file re-included by a nested rule', ['sub/important.log']],
    ['a file ignored by a nested rule, deeper', ['sub/deep/local.txt']],
    ['a file inside an ignored directory', ['ignored-dir/x.ts']],
    ['a file inside a .cwignore-d directory', ['sub/private/p.ts']],
    ['a file of .git/info/exclude', ['info-excluded.txt']],
    ['a configured exclude', ['build/out.js']],
    ['a default-excluded directory', ['node_modules/dep/index.js']],
    ['our own index', ['.codeweaver/index.db']],
    ['a directory', ['sub']],
    ['a directory with a re-included file', ['gen']],
    ['a symlinked directory inside the root', ['link-to-sub']],
    ['a symlink leaving the root', ['outside']],
    ['a missing path', ['gone.ts', 'sub/gone/deeper.ts']],
    ['a file over the size limit', ['big.ts']],
    ['nested and repeated paths', ['sub', 'sub/code.py', 'sub/deep', 'a.ts', 'a.ts']],
    ['the whole tree', ['']],
  ];
  for (const [what, targets] of cases) {
    it(`${what}: ${targets.join(', ')}`, async () => {
      const found = await paths(walkPaths(tree.root, targets, BASE));
      expect(found).toEqual(await expected(tree.root, targets));
    });
  }

  it('a path given twice over nested directories is yielded once', async () => {
    const found = await paths(walkPaths(tree.root, ['sub/deep/more.ts', 'sub', 'sub/deep'], BASE));
    expect(new Set(found).size).toBe(found.length);
    expect(found).toContain('sub/deep/more.ts');
  });

  it("applies this run's filter and the configured include as the whole walk does", async () => {
    const options = { ...BASE, include: ['*.ts', '*.py'], filter: new RunFilter([], ['deep/']) };
    const found = await paths(walkPaths(tree.root, ['sub', 'a.ts', 'debug.log'], options));
    expect(found).toEqual(await expected(tree.root, ['sub', 'a.ts', 'debug.log'], { ...options, filter: new RunFilter([], ['deep/']) }));
    expect(found).toContain('sub/code.py');
    expect(found).not.toContain('sub/deep/more.ts');
  });
});

describe('outermostPaths', () => {
  it('drops duplicates and paths inside another, even when sorting puts a sibling between them', () => {
    expect(outermostPaths(['src/a', 'src', 'src-old/x', 'src/b/c', '/lib/', 'lib/x'])).toEqual(['lib', 'src', 'src-old/x']);
  });
  it('the whole tree covers every path', () => {
    expect(outermostPaths(['a', '', 'b/c'])).toEqual(['']);
  });
});
