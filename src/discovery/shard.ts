/**
 * Shards: a partition of the tree's files among N runs (CI workers) that index one Qdrant
 * collection together. A file's shard follows from its repository-relative path alone — the
 * first 32 bits of the path's sha256, cut into N equal ranges — so every machine, OS and clone
 * agrees on it without talking to the others. Ranges rather than `key mod N` let a store hand a
 * shard exactly its own records with one range filter over the stored key.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';

export interface Shard {
  /** 1-based: shard `index` of `count`. */
  index: number;
  count: number;
}

/** Most shards a run may be cut into. */
export const MAX_SHARDS = 1024;
const KEY_SPACE = 2 ** 32;

/** The path's 32-bit key, the same everywhere: the first four bytes of sha256(UTF-8 path). */
export function pathKey(path: string): number {
  return createHash('sha256').update(path).digest().readUInt32BE(0);
}

/** The keys of shard i of N: [gte, lt). Consecutive shards tile the whole key space. */
export function shardKeyRange(shard: Shard): { gte: number; lt: number } {
  return { gte: Math.ceil(((shard.index - 1) * KEY_SPACE) / shard.count), lt: Math.ceil((shard.index * KEY_SPACE) / shard.count) };
}

export function shardOfKey(key: number, count: number): number {
  return Math.floor((key * count) / KEY_SPACE) + 1;
}

export function inShard(path: string, shard: Shard): boolean {
  return shard.count === 1 || shardOfKey(pathKey(path), shard.count) === shard.index;
}

export function describeShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/**
 * `--shard i/N`, or `CW_SHARD`; `auto/N` takes i from the CI's worker index: a Kubernetes
 * Indexed Job's JOB_COMPLETION_INDEX (0-based) or GitLab's CI_NODE_INDEX (1-based, `parallel:`).
 * Returns null when neither the flag nor CW_SHARD is set.
 */
export function parseShard(flag: string | undefined, env: NodeJS.ProcessEnv): Shard | null {
  const fromFlag = flag !== undefined;
  const raw = fromFlag ? flag : env.CW_SHARD;
  if (raw === undefined || raw.trim() === '') return null;
  const what = fromFlag ? '--shard' : 'CW_SHARD';
  const m = /^\s*(auto|\d+)\s*\/\s*(\d+)\s*$/i.exec(raw);
  if (!m) throw new UsageError(`${what}: expected i/N (e.g. 2/4) or auto/N, got "${raw}"`);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw new UsageError(`${what}: N must be from 1 to ${MAX_SHARDS}, got ${m[2]}`);
  let index: number;
  if (m[1]!.toLowerCase() === 'auto') {
    index = autoIndex(env, what);
  } else {
    index = Number(m[1]);
  }
  if (index < 1 || index > count) throw new UsageError(`${what}: shard ${index} is not one of 1..${count} (shards are numbered from 1) — got "${raw}"`);
  return { index, count };
}

function autoIndex(env: NodeJS.ProcessEnv, what: string): number {
  const k8s = env.JOB_COMPLETION_INDEX;
  if (k8s !== undefined && k8s !== '') {
    if (!/^\d+$/.test(k8s)) throw new UsageError(`${what} auto: JOB_COMPLETION_INDEX is "${k8s}", not a whole number`);
    return Number(k8s) + 1;
  }
  const gitlab = env.CI_NODE_INDEX;
  if (gitlab !== undefined && gitlab !== '') {
    if (!/^\d+$/.test(gitlab)) throw new UsageError(`${what} auto: CI_NODE_INDEX is "${gitlab}", not a whole number`);
    return Number(gitlab);
  }
  throw new UsageError(
    `${what} auto/N: no worker index in the environment (JOB_COMPLETION_INDEX of a Kubernetes Indexed Job, CI_NODE_INDEX of GitLab parallel:) — give the shard as i/N`,
  );
}

/** A build ID names a collection: letters, digits, `.`, `_`, `-`. */
export function checkBuildId(id: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(id)) {
    throw new UsageError(`--build: "${id}" is not a build ID — use up to 64 letters, digits, '.', '_' or '-' (e.g. the CI run number)`);
  }
  return id;
}
