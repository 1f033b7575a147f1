/**
 * The Hugging Face hub cache, in the layout huggingface_hub, transformers.js and fastembed share,
 * so that a model another tool downloaded is found here and one cw downloaded serves them:
 *
 *   $HF_HUB_CACHE (default $HF_HOME/hub, $HF_HOME default ~/.cache/huggingface)
 *     models--{org}--{name}/
 *       refs/{revision}                 the commit the revision (a branch or tag) pointed to
 *       blobs/{etag}                    each file's bytes, named by its hash (sha256 for LFS files)
 *       blobs/{etag}.incomplete         a download in progress (resumed from its length)
 *       snapshots/{commit}/{path}       symbolic links to ../../blobs/{etag}
 *       .no_exist/{commit}/{path}       an empty file: the repository has no such file at that commit
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../errors.js';

/** Where the hub cache is, as huggingface_hub resolves it. */
export function hubCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.HF_HUB_CACHE?.trim()) return path.resolve(env.HF_HUB_CACHE.trim());
  const home = env.HF_HOME?.trim() || path.join(env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), '.cache'), 'huggingface');
  return path.join(path.resolve(home), 'hub');
}

/** A repository name as the hub spells it: `org/name`. A bad one is the user's to fix (exit 2). */
export function checkRepoId(repo: string): string {
  if (!/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(repo) || repo.includes('..')) {
    throw new UsageError(
      `"${repo}" is not a Hugging Face repository name — embedding.model takes org/name (optionally @revision, and #q8 for the int8 export) or a directory (./path or an absolute one)`,
    );
  }
  return repo;
}

export function repoDir(cache: string, repo: string): string {
  return path.join(cache, `models--${checkRepoId(repo).replace('/', '--')}`);
}

/** A commit hash, or a revision (branch, tag) resolved through refs/; null when unknown here. */
export function cachedCommit(cache: string, repo: string, revision: string): string | null {
  if (/^[0-9a-f]{40}$/.test(revision)) return revision;
  const ref = path.join(repoDir(cache, repo), 'refs', revision);
  if (!existsSync(ref)) return null;
  const commit = readFileSync(ref, 'utf8').trim();
  return /^[0-9a-f]{40}$/.test(commit) ? commit : null;
}

/** The cached copy of a file at a revision, or null when it is not here (whole). */
export function cachedFile(cache: string, repo: string, revision: string, file: string): string | null {
  const commit = cachedCommit(cache, repo, revision);
  if (!commit) return null;
  const target = snapshotPath(cache, repo, commit, file);
  return existsSync(target) ? target : null; // existsSync follows the link: a dangling one is absent
}

export function snapshotPath(cache: string, repo: string, commit: string, file: string): string {
  return path.join(repoDir(cache, repo), 'snapshots', commit, ...file.split('/'));
}

export function blobPath(cache: string, repo: string, etag: string): string {
  return path.join(repoDir(cache, repo), 'blobs', etag);
}

/** huggingface_hub's record that a file is absent at a commit, so that nobody asks again. */
export function noExistPath(cache: string, repo: string, commit: string, file: string): string {
  return path.join(repoDir(cache, repo), '.no_exist', commit, ...file.split('/'));
}

/** Whether the cache records `file` as absent at the commit `revision` resolves to. */
export function knownAbsent(cache: string, repo: string, revision: string, file: string): boolean {
  const commit = cachedCommit(cache, repo, revision);
  return commit !== null && existsSync(noExistPath(cache, repo, commit, file));
}
