import { execFileSync } from 'node:child_process';
import { rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkFiles, type DiscoveredFile, type WalkOptions } from '../../src/discovery/walk.js';
import { SKIP_REASONS, type SkipReason } from '../../src/discovery/skip-reasons.js';
import { makeTree } from './tree.js';

const MAX = 1000;
const BASE: WalkOptions = { include: [], exclude: [], maxFileSize: MAX, respectGitignore: true };

async function drain(files: AsyncIterable<DiscoveredFile>): Promise<string[]> {
  const paths: string[] = [];
  for await (const f of files) paths.push(f.path);
  return paths;
}

async function walk(root: string, overrides: Partial<WalkOptions> = {}) {
  const files: DiscoveredFile[] = [];
  const skipped = new Map<string, SkipReason>();
  const skipCalls: string[] = [];
  for await (const f of walkFiles(root, {
    ...BASE,
    onSkip: (p, r) => {
      skipped.set(p, r);
      skipCalls.push(p);
    },
    ...overrides,
  })) {
    files.push(f);
  }
  return { files, paths: files.map((f) => f.path).sort(), skipped, skipCalls };
}

describe('walkFiles: ignore rules', () => {
  let tree: ReturnType<typeof makeTree>;
  beforeAll(() => {
    tree = makeTree({
      '.gitignore': '*.log\n!keep.log\nignored-dir/\nsecret/\n!secret/keep.ts\ngen-out/*\n!gen-out/keep.ts\n',
      '.cwignore': 'docs/private/\n*.snap\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.git/info/exclude': 'info-excluded.txt\n',
      'info-excluded.txt': 'x',
      'a.ts': 'export const a = 1;\n',
      'keep.log': 'kept by negation',
      'debug.log': 'ignored',
      'ignored-dir/x.ts': 'x',
      'ignored-dir/y.ts': 'y',
      'secret/s.ts': 's',
      'secret/keep.ts': 'a file inside an excluded directory cannot be re-included',
      'gen-out/a.ts': 'ignored: the directory contents are excluded, not the directory',
      'gen-out/keep.ts': 'so this one is re-included',
      'sub/.gitignore': 'local.txt\n!important.log\n/anchored.txt\n',
      'sub/important.log': 'nested negation beats the root rule',
      'sub/other.log': 'still ignored by the root rule',
      'sub/local.txt': 'ignored by the nested rule',
      'sub/anchored.txt': 'anchored to sub/',
      'sub/code.py': 'print(1)\n',
      'sub/deep/local.txt': 'nested non-anchored pattern applies below',
      'sub/deep/anchored.txt': 'anchored pattern does not apply below',
      'anchored.txt': 'the nested rule is relative to its own directory',
      'docs/private/notes.md': 'index-only rule',
      'docs/public.md': '# ok',
      'test/__snapshots__/a.snap': 'cwignored',
      'src/main.ts': 'main',
      'src/skip/x.ts': 'x',
      'src/util.test.ts': 't',
    });
  });
  afterAll(() => tree.cleanup());

  it('honours .gitignore at every level, negation, .cwignore and .git/info/exclude, pruning ignored dirs', async () => {
    const { paths, skipped, skipCalls } = await walk(tree.root);
    expect(paths).toEqual([
      '.cwignore',
      '.gitignore',
      'a.ts',
      'anchored.txt',
      'docs/public.md',
      'gen-out/keep.ts',
      'keep.log',
      'src/main.ts',
      'src/skip/x.ts',
      'src/util.test.ts',
      'sub/.gitignore',
      'sub/code.py',
      'sub/deep/anchored.txt',
      'sub/important.log',
    ]);
    expect(Object.fromEntries(skipped)).toEqual({
      '.git': 'default_excluded_dir',
      'info-excluded.txt': 'ignored',
      'debug.log': 'ignored',
      'ignored-dir': 'ignored',
      secret: 'ignored',
      'gen-out/a.ts': 'ignored',
      'sub/other.log': 'ignored',
      'sub/local.txt': 'ignored',
      'sub/anchored.txt': 'ignored',
      'sub/deep/local.txt': 'ignored',
      'docs/private': 'ignored',
      'test/__snapshots__/a.snap': 'ignored',
    });
    // An ignored directory is reported once, and nothing inside it is visited.
    expect(skipCalls.filter((p) => p.startsWith('ignored-dir'))).toEqual(['ignored-dir']);
  });

  it('respectGitignore: false drops .gitignore and info/exclude but keeps .cwignore and defaults', async () => {
    const { paths, skipped } = await walk(tree.root, { respectGitignore: false });
    expect(paths).toContain('debug.log');
    expect(paths).toContain('secret/keep.ts');
    expect(paths).toContain('info-excluded.txt');
    expect(paths).toContain('sub/local.txt');
    expect(paths).not.toContain('docs/private/notes.md');
    expect(paths).not.toContain('test/__snapshots__/a.snap');
    expect(skipped.get('docs/private')).toBe('ignored');
    expect(skipped.get('.git')).toBe('default_excluded_dir');
  });

  it('applies include and exclude globs (gitignore syntax); exclude prunes directories', async () => {
    const { paths, skipped } = await walk(tree.root, { include: ['src/**', '*.md'], exclude: ['src/skip/', '*.test.ts'] });
    expect(paths).toEqual(['docs/public.md', 'src/main.ts']);
    expect(skipped.get('src/skip')).toBe('ignored');
    expect(skipped.get('src/util.test.ts')).toBe('ignored');
    expect(skipped.get('a.ts')).toBe('not_included');
    expect(skipped.get('sub/code.py')).toBe('not_included');
  });
});

describe('walkFiles: default skips', () => {
  let tree: ReturnType<typeof makeTree>;
  const defaultDirs = ['node_modules', 'vendor', 'dist', 'build', 'out', 'target', '.next', 'coverage', '__pycache__', '.venv'];
  const lockfiles = ['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'Cargo.lock', 'poetry.lock', 'go.sum', 'composer.lock', 'Gemfile.lock'];
  beforeAll(() => {
    const spec: Record<string, string | Uint8Array> = {
      'src/index.ts': 'export {};\n',
      'packages/app/node_modules/dep/index.js': 'nested node_modules too',
      'packages/app/main.go': 'package main\n',
      'app.min.js': 'x',
      'style.min.css': 'x',
      'api.pb.go': 'x',
      'msg_pb2.py': 'x',
      'types.generated.ts': 'x',
      'logo.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
      'lib.so': 'x',
      'big.txt': 'a'.repeat(MAX + 1),
      'exact.txt': 'a'.repeat(MAX),
    };
    for (const d of defaultDirs) {
      spec[`${d}/a.js`] = 'a';
      spec[`${d}/b/c.js`] = 'c';
    }
    for (const l of lockfiles) spec[l] = '{}';
    spec['.codeweaver/index.sqlite'] = 'our own index';
    // codeweaver's own configuration, at the root and in a package; package.json stays.
    spec['codeweaver.config.json'] = '{"embedding":{"provider":"voyage"}}';
    spec['packages/app/.codeweaverrc.yaml'] = 'embedding:\n  provider: voyage\n';
    spec['packages/worktree/.git'] = 'gitdir: /home/someone/repo/.git/worktrees/x\n'; // a worktree's gitfile
    tree = makeTree(spec);
  });
  afterAll(() => tree.cleanup());

  it('skips default directories once each, lock files, minified, generated, binary and too-large files', async () => {
    const { paths, skipped, skipCalls } = await walk(tree.root);
    expect(paths).toEqual(['exact.txt', 'packages/app/main.go', 'src/index.ts']);
    for (const d of defaultDirs) expect(skipped.get(d), d).toBe('default_excluded_dir');
    // The tool's own index directory is pruned silently: it is not the user's content.
    expect(skipped.has('.codeweaver')).toBe(false);
    // So is its configuration: no hit for "voyage" in the settings file.
    expect(skipped.has('codeweaver.config.json')).toBe(false);
    expect(skipped.has('packages/app/.codeweaverrc.yaml')).toBe(false);
    expect(skipped.get('packages/app/node_modules')).toBe('default_excluded_dir');
    expect(skipped.get('packages/worktree/.git')).toBe('default_excluded_dir');
    for (const l of lockfiles) expect(skipped.get(l), l).toBe('lockfile');
    expect(skipped.get('app.min.js')).toBe('minified');
    expect(skipped.get('style.min.css')).toBe('minified');
    expect(skipped.get('api.pb.go')).toBe('generated');
    expect(skipped.get('msg_pb2.py')).toBe('generated');
    expect(skipped.get('types.generated.ts')).toBe('generated');
    expect(skipped.get('logo.png')).toBe('binary');
    expect(skipped.get('lib.so')).toBe('binary');
    expect(skipped.get('big.txt')).toBe('too_large');
    // Each skipped directory counts once: nothing below it is reported.
    expect(skipCalls.filter((p) => p.startsWith('node_modules'))).toEqual(['node_modules']);
    expect(skipCalls).toHaveLength(new Set(skipCalls).size);
    for (const reason of skipped.values()) expect(Object.keys(SKIP_REASONS)).toContain(reason);
  });

  it('reports size and language, with repo-relative forward-slash paths', async () => {
    const { files } = await walk(tree.root);
    const go = files.find((f) => f.path === 'packages/app/main.go')!;
    expect(go).toMatchObject({ size: 13, language: 'go', absPath: join(tree.root, 'packages', 'app', 'main.go') });
    expect(files.find((f) => f.path === 'src/index.ts')!.language).toBe('typescript');
  });
});

describe('walkFiles: symlinks, special files, unreadable entries, abort', () => {
  let tree: ReturnType<typeof makeTree>;
  let outside: ReturnType<typeof makeTree>;
  beforeAll(() => {
    outside = makeTree({ 'secret.ts': 'outside the root', 'dir/x.ts': 'x' });
    tree = makeTree({ 'a.ts': 'a', 'sub/b.ts': 'b' });
    symlinkSync(join(tree.root, 'a.ts'), join(tree.root, 'link-inside.ts'));
    symlinkSync('sub', join(tree.root, 'linkdir'));
    symlinkSync(join(outside.root, 'secret.ts'), join(tree.root, 'link-outside.ts'));
    symlinkSync(join(outside.root, 'dir'), join(tree.root, 'linkdir-outside'));
    symlinkSync('..', join(tree.root, 'sub', 'loop'));
    symlinkSync('does-not-exist', join(tree.root, 'dangling'));
    execFileSync('mkfifo', [join(tree.root, 'pipe')]);
  });
  afterAll(() => {
    tree.cleanup();
    outside.cleanup();
  });

  it('follows symlinks inside the root, skips those outside and cycles, never loops', async () => {
    const { paths, skipped } = await walk(tree.root);
    expect(paths).toEqual(['a.ts', 'link-inside.ts', 'linkdir/b.ts', 'sub/b.ts']);
    expect(skipped.get('link-outside.ts')).toBe('symlink_outside_root');
    expect(skipped.get('linkdir-outside')).toBe('symlink_outside_root');
    expect(skipped.get('dangling')).toBe('symlink_outside_root');
    expect(skipped.get('sub/loop')).toBe('symlink_cycle');
    expect(skipped.get('linkdir/loop')).toBe('symlink_cycle');
    expect(skipped.get('pipe')).toBe('special_file');
  });

  it('reports an unreadable directory as a skip, not an error', async (ctx) => {
    if (process.getuid?.() === 0) {
      // root reads through chmod 000, so permissions cannot make a directory unreadable here.
      ctx.skip();
    }
    const t = makeTree({ 'ok.ts': 'ok', 'locked/x.ts': 'x' });
    try {
      execFileSync('chmod', ['000', join(t.root, 'locked')]);
      const { paths, skipped } = await walk(t.root);
      expect(paths).toEqual(['ok.ts']);
      expect(skipped.get('locked')).toBe('unreadable');
    } finally {
      execFileSync('chmod', ['755', join(t.root, 'locked')]);
      t.cleanup();
    }
  });

  it('reports an entry that vanishes between listing and stat as unreadable', async () => {
    // Files are stat'ed after their directory is listed; removing b.ts when the earlier-sorted
    // Cargo.lock is reported reproduces the race deterministically (and works as root).
    const t = makeTree({ 'Cargo.lock': '', 'b.ts': 'b' });
    try {
      const skipped = new Map<string, SkipReason>();
      const files = await drain(
        walkFiles(t.root, {
          ...BASE,
          onSkip: (p, r) => {
            skipped.set(p, r);
            if (p === 'Cargo.lock') rmSync(join(t.root, 'b.ts')); // b.ts is listed but not yet stat'ed
          },
        }),
      );
      expect(skipped.get('b.ts')).toBe('unreadable');
      expect(files).not.toContain('b.ts');
    } finally {
      t.cleanup();
    }
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(drain(walkFiles(tree.root, { ...BASE, signal: controller.signal }))).rejects.toThrow('stop');
  });

  it('rejects a root that is not a directory with a clear error', async () => {
    await expect(drain(walkFiles(join(tree.root, 'a.ts'), BASE))).rejects.toThrow(/not a readable directory/);
  });
});
