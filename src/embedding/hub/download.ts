/**
 * Files of a Hugging Face model repository, fetched into the shared hub cache (cache.ts) as
 * huggingface_hub does it: a HEAD of `{endpoint}/{repo}/resolve/{revision}/{file}` (redirects not
 * followed) names the commit, the file's hash and size; the bytes go to `blobs/{hash}.incomplete`
 * (resumed with a Range request after an interruption), are checked against the hash (sha256 for
 * LFS files, the git blob sha1 for the others) and the size, and are renamed into place; the
 * snapshot links to the blob. HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE are honoured.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { classifyHttpError } from '../../http/errors.js';
import { RetriesExhaustedError, withRetries, type RetryPolicy } from '../../http/retry.js';
import type { PooledFetch } from '../../http/types.js';
import { blobPath, cachedCommit, cachedFile, hubCacheDir, knownAbsent, noExistPath, repoDir, snapshotPath } from './cache.js';

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

/** A cut download is resumed from what arrived, a few times, before the run gives up on the hub. */
export const HUB_RETRY_POLICY: Readonly<RetryPolicy> = { maxAttempts: 5, maxTotalWaitMs: 30_000, baseDelayMs: 500, maxDelayMs: 5_000 };

/** A file's place in a repository at a revision, as the hub's HEAD answers it. */
export interface HubFileMeta {
  commit: string;
  /** sha256 (LFS files) or git blob sha1: the blob's name, and what its bytes must hash to. */
  etag: string;
  size: number;
  /** Where the bytes are (the CDN a LFS file redirects to, else the resolve URL itself). */
  location: string;
}

export interface HubProgress {
  file: string;
  received: number;
  total: number;
}

export interface HubDownloaderOptions {
  /** The pool's fetch for the hub (and its CDN). */
  fetch: PooledFetch;
  env: NodeJS.ProcessEnv;
  onProgress?: (progress: HubProgress) => void;
  retryPolicy?: RetryPolicy;
  /**
   * Use a file the cache holds without asking the hub (a search must not pay a round trip per
   * model file, and an index's vectors must keep coming from the weights that made them).
   * Off for `cw model pull`, which asks the hub what the revision is now.
   */
  cacheFirst?: boolean;
}

/** Files a model needs that are neither here nor reachable: exit 2, with where they go. */
export class ModelFilesMissingError extends UsageError {}

/** The repository has no such file at that revision (HTTP 404): not retried, and not missing by accident. */
export class HubFileNotFoundError extends UsageError {}

/** The bytes fetched do not hash to what the hub stated: the file is fetched again once. */
export class ModelChecksumError extends Error {}

export class HubDownloader {
  readonly cache: string;
  readonly endpoint: string;
  readonly offline: boolean;
  readonly #token: string | null;
  readonly #o: HubDownloaderOptions;

  constructor(options: HubDownloaderOptions) {
    this.#o = options;
    const env = options.env;
    this.cache = hubCacheDir(env);
    this.endpoint = (env.HF_ENDPOINT?.trim() || DEFAULT_HF_ENDPOINT).replace(/\/+$/, '');
    this.offline = /^(1|true|yes|on)$/i.test(env.HF_HUB_OFFLINE?.trim() ?? '');
    this.#token = env.HF_TOKEN?.trim() || env.HUGGING_FACE_HUB_TOKEN?.trim() || null;
  }

  /**
   * The local path of each file, fetching what is missing. Offline (HF_HUB_OFFLINE, or the hub
   * unreachable) the cached copies are used, and files that are not cached are named in one error.
   */
  async files(repo: string, revision: string, files: readonly string[], signal?: AbortSignal): Promise<string[]> {
    const paths: string[] = [];
    const missing: string[] = [];
    let unreachable: string | null = null;
    for (const file of files) {
      const cached = cachedFile(this.cache, repo, revision, file);
      if (cached && this.#o.cacheFirst) {
        paths.push(cached);
        continue;
      }
      if (this.offline || unreachable) {
        if (cached) paths.push(cached);
        else missing.push(file);
        continue;
      }
      try {
        paths.push(
          await withRetries(() => this.#file(repo, revision, file, signal), { label: 'huggingface', policy: this.#o.retryPolicy ?? HUB_RETRY_POLICY, signal }),
        );
      } catch (err) {
        if (signal?.aborted || !isUnreachable(err)) throw err;
        // No network: what is cached serves, as huggingface_hub falls back to it.
        unreachable = err instanceof Error ? err.message : String(err);
        if (cached) paths.push(cached);
        else missing.push(file);
      }
    }
    if (missing.length > 0) throw this.#missing(repo, revision, missing, unreachable);
    return paths;
  }

  /**
   * Files a model may have (a pooling configuration, a tokenizer config): the local path of each
   * one the repository has, null for one it has not (and for one not cached when offline).
   */
  async optionalFiles(repo: string, revision: string, files: readonly string[], signal?: AbortSignal): Promise<Array<string | null>> {
    const found: Array<string | null> = [];
    for (const file of files) {
      // Known absent (asked before, by cw or huggingface_hub): no request.
      if ((this.#o.cacheFirst || this.offline) && knownAbsent(this.cache, repo, revision, file)) {
        found.push(null);
        continue;
      }
      try {
        found.push((await this.files(repo, revision, [file], signal))[0]!);
      } catch (err) {
        if (!(err instanceof HubFileNotFoundError) && !(err instanceof ModelFilesMissingError)) throw err;
        if (err instanceof HubFileNotFoundError) this.#recordAbsent(repo, revision, file);
        found.push(null);
      }
    }
    return found;
  }

  /** What the hub says of a file at a revision (a HEAD; redirects not followed). */
  async meta(repo: string, revision: string, file: string, signal?: AbortSignal): Promise<HubFileMeta> {
    const url = `${this.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
    const res = await this.#o.fetch(url, { method: 'HEAD', redirect: 'manual', headers: this.#headers(url), signal });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status === 401 || res.status === 403) {
      throw new UsageError(`${repo}: the hub refused access (HTTP ${res.status}) — a gated or private model needs HF_TOKEN with access to it`);
    }
    if (res.status === 404) throw new HubFileNotFoundError(`${repo}: no file ${file} at revision ${revision} on ${this.endpoint} — check embedding.model`);
    if (res.status >= 400) throw Object.assign(new Error(`${repo}: the hub answered HTTP ${res.status} for ${file}`), { retryable: res.status >= 500 });
    const commit = res.headers.get('x-repo-commit') ?? '';
    const etag = normalizeEtag(res.headers.get('x-linked-etag') ?? res.headers.get('etag') ?? '');
    const size = Number(res.headers.get('x-linked-size') ?? res.headers.get('content-length') ?? Number.NaN);
    if (!/^[0-9a-f]{40}$/.test(commit) || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(etag) || !Number.isSafeInteger(size)) {
      throw new Error(`${repo}: the hub's answer for ${file} lacks its commit, hash or size (is HF_ENDPOINT a Hugging Face hub?)`);
    }
    const location = res.status >= 300 && res.status < 400 && res.headers.get('location') ? new URL(res.headers.get('location')!, url).href : url;
    return { commit, etag, size, location };
  }

  async #file(repo: string, revision: string, file: string, signal?: AbortSignal): Promise<string> {
    const meta = await this.meta(repo, revision, file, signal);
    const target = snapshotPath(this.cache, repo, meta.commit, file);
    const blob = blobPath(this.cache, repo, meta.etag);
    if (!existsSync(blob)) {
      try {
        await this.#fetchBlob(meta, blob, file, signal);
      } catch (err) {
        if (!(err instanceof ModelChecksumError)) throw err;
        // A corrupted copy (a proxy's, or a cut we could not see) is fetched again, once, whole.
        await this.#fetchBlob(meta, blob, file, signal);
      }
    }
    if (!existsSync(target)) {
      mkdirSync(path.dirname(target), { recursive: true });
      rmSync(target, { force: true }); // a dangling link from a removed blob
      symlinkSync(path.relative(path.dirname(target), blob), target);
    }
    if (revision !== meta.commit) {
      const ref = path.join(repoDir(this.cache, repo), 'refs', revision);
      mkdirSync(path.dirname(ref), { recursive: true });
      if (cachedCommit(this.cache, repo, revision) !== meta.commit) writeFileSync(ref, meta.commit);
    }
    return target;
  }

  /** The bytes into blobs/{etag}.incomplete (resumed when part is there), checked, then renamed into place. */
  async #fetchBlob(meta: HubFileMeta, blob: string, file: string, signal?: AbortSignal): Promise<void> {
    mkdirSync(path.dirname(blob), { recursive: true });
    const partial = `${blob}.incomplete`;
    let have = existsSync(partial) ? statSync(partial).size : 0;
    if (have > meta.size) {
      rmSync(partial, { force: true });
      have = 0;
    }
    const hash = hasherFor(meta);
    if (have > 0) await hashFile(partial, hash);
    const headers = this.#headers(meta.location);
    if (have > 0 && have < meta.size) headers.range = `bytes=${have}-`;
    if (have < meta.size) {
      const res = await this.#o.fetch(meta.location, { headers, signal });
      if (res.status !== 200 && res.status !== 206) {
        await res.arrayBuffer().catch(() => undefined);
        throw Object.assign(new Error(`${file}: the hub answered HTTP ${res.status} to the download`), { retryable: res.status >= 500 });
      }
      if (res.status === 200 && have > 0) {
        // The server ignored the Range: start over.
        have = 0;
        hash.reset();
      }
      const handle = await open(partial, have > 0 ? 'a' : 'w');
      try {
        for await (const chunk of res.body ?? []) {
          const bytes = chunk as Uint8Array;
          await handle.write(bytes);
          hash.update(bytes);
          have += bytes.byteLength;
          this.#o.onProgress?.({ file, received: have, total: meta.size });
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    if (have < meta.size) {
      // Cut short without an error (a proxy that closed cleanly): kept, and resumed by the retry.
      throw Object.assign(new Error(`${file}: the download stopped at ${have} of ${meta.size} bytes`), { retryable: true });
    }
    const digest = hash.digest();
    if (have !== meta.size || digest !== meta.etag) {
      rmSync(partial, { force: true });
      throw new ModelChecksumError(`${file}: ${have} bytes hashing to ${digest.slice(0, 12)}…, the hub states ${meta.size} bytes hashing to ${meta.etag.slice(0, 12)}…`);
    }
    renameSync(partial, blob);
  }

  /** An empty `.no_exist` file, where the commit is known, as huggingface_hub records one. */
  #recordAbsent(repo: string, revision: string, file: string): void {
    const commit = cachedCommit(this.cache, repo, revision);
    if (!commit) return;
    const marker = noExistPath(this.cache, repo, commit, file);
    mkdirSync(path.dirname(marker), { recursive: true });
    writeFileSync(marker, '');
  }

  #headers(url: string): Record<string, string> {
    const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'codeweaver' };
    // The token goes to the hub itself, never to the CDN (or any other host) it redirects to.
    if (this.#token && new URL(url).origin === new URL(this.endpoint).origin) headers.authorization = `Bearer ${this.#token}`;
    return headers;
  }

  #missing(repo: string, revision: string, files: string[], why: string | null): ModelFilesMissingError {
    const reason = this.offline ? 'HF_HUB_OFFLINE is set' : `the hub is not reachable (${why})`;
    const folder = path.basename(repoDir(this.cache, repo));
    return new ModelFilesMissingError(
      `${repo}@${revision}: ${files.join(', ')} not in the model cache and ${reason} — run cw model pull ${repo} where ${this.endpoint} is reachable and copy its hub cache folder ${folder} into ${this.cache} here, or set HF_ENDPOINT to a mirror`,
    );
  }
}

/** `"abc"` and `W/"abc"` as the hash itself. */
function normalizeEtag(value: string): string {
  return value.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
}

/** sha256 of the bytes (LFS), or git's blob sha1 ("blob <size>\0" + bytes) for files kept in git itself. */
function hasherFor(meta: HubFileMeta): { update(b: Uint8Array): void; digest(): string; reset(): void } {
  const make = (): Hash => {
    if (meta.etag.length === 64) return createHash('sha256');
    const h = createHash('sha1');
    h.update(`blob ${meta.size}\0`);
    return h;
  };
  let hash = make();
  return {
    update: (b) => hash.update(b),
    digest: () => hash.digest('hex'),
    reset: () => {
      hash = make();
    },
  };
}

async function hashFile(file: string, hash: { update(b: Uint8Array): void }): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Uint8Array);
}

/** A failure to reach the hub at all (no network, DNS, refused, cut every time), as opposed to an answer. */
function isUnreachable(err: unknown): boolean {
  const last = err instanceof RetriesExhaustedError ? err.lastError : err;
  return classifyHttpError(last) === 'connection' || classifyHttpError(last) === 'timeout';
}
