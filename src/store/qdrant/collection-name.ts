import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The default collection for a repository, stable across clones: derived from the git remote
 * (`origin`, else the first remote) so every CI runner and teammate lands in the same
 * collection; from the directory name when there is no remote. The ssh and https forms of one
 * remote give the same name.
 */
export async function defaultCollectionName(repoRoot: string): Promise<string> {
  const remote = await gitRemoteUrl(repoRoot);
  if (remote) {
    const normalised = normaliseRemote(remote);
    const hash = createHash('sha256').update(normalised).digest('hex').slice(0, 8);
    return sanitise(`${normalised.split('/').slice(-2).join('-')}-${hash}`);
  }
  return sanitise(path.basename(path.resolve(repoRoot))) || 'codeweaver';
}

/** host/owner/repo, lower-cased, without scheme, user, port or `.git`. */
export function normaliseRemote(url: string): string {
  let u = url.trim();
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(u); // git@github.com:owner/repo.git
  if (scp) u = `${scp[1]}/${scp[2]}`;
  else u = u.replace(/^[a-z+]+:\/\//i, '').replace(/^[^@/]+@/, '').replace(/^([^/:]+):\d+\//, '$1/');
  return u
    .replace(/\.git\/?$/, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}

async function gitRemoteUrl(repoRoot: string): Promise<string | null> {
  const config = await readGitConfig(repoRoot);
  if (!config) return null;
  const remotes = new Map<string, string>();
  let current: string | null = null;
  for (const line of config.split('\n')) {
    const section = /^\s*\[remote\s+"([^"]+)"\]/.exec(line);
    if (section) {
      current = section[1]!;
      continue;
    }
    if (/^\s*\[/.test(line)) current = null;
    const url = /^\s*url\s*=\s*(.+?)\s*$/.exec(line);
    if (current && url && !remotes.has(current)) remotes.set(current, url[1]!);
  }
  return remotes.get('origin') ?? remotes.values().next().value ?? null;
}

async function readGitConfig(repoRoot: string): Promise<string | null> {
  let dir = path.resolve(repoRoot);
  for (;;) {
    const dotGit = path.join(dir, '.git');
    const config = await readFile(path.join(dotGit, 'config'), 'utf8').catch(() => null);
    if (config !== null) return config;
    // A worktree or submodule: .git is a file pointing at the real git directory.
    const pointer = await readFile(dotGit, 'utf8').catch(() => null);
    const gitdir = pointer && /^gitdir:\s*(.+)$/m.exec(pointer)?.[1];
    if (gitdir) {
      const real = path.resolve(dir, gitdir.trim());
      const commonDir = await readFile(path.join(real, 'commondir'), 'utf8').catch(() => null);
      const base = commonDir ? path.resolve(real, commonDir.trim()) : real;
      return readFile(path.join(base, 'config'), 'utf8').catch(() => null);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function sanitise(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 200);
}
