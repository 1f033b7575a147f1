/**
 * The point layout of a codeweaver collection: three kinds of points with deterministic ids, so
 * every upsert is idempotent and an interrupted run never duplicates anything.
 * - `chunk`: dense + sparse vectors, the chunk in the payload;
 * - `file`: the manifest of one file. Written twice per write: first as an intent (no hash)
 *   before any of the file's chunks, then with its hash after all of them. So every chunk in
 *   the collection belongs to a path that has a manifest, and a file deleted after an
 *   interrupted write is still found (and its chunks removed) by the next run;
 * - one `meta` point: what the collection was built with;
 * - `shard` points: how each shard's last run into this collection ended (sharded indexing).
 *
 * Manifests carry `path_key`, the path's shard key (discovery/shard.ts), so that a shard lists
 * its own files with one range filter.
 */
import { uuidFromName } from '../../ids.js';
import { pathKey, shardKeyRange, type Shard } from '../../discovery/shard.js';
import type { FileWrite, ShardRun } from '../vector-store.js';
import { documentSparseVector } from '../ranking/bm25-sparse.js';

export const DENSE = 'dense';
export const LEXICAL = 'lexical';
/** Bumped when the point layout changes; an index of another version is refused. */
export const LAYOUT_VERSION = 1;

export type Payload = Record<string, unknown>;
export type Filter = { must?: unknown[]; must_not?: unknown[]; should?: unknown[] };
export interface Point {
  id: string;
  vector: Record<string, unknown>;
  payload: Payload;
}

// Manifest and meta points have deterministic ids too, so their upserts are idempotent.
export const META_ID = uuidFromName('codeweaver:meta');

export function shardRunId(run: Pick<ShardRun, 'shard' | 'shards'>): string {
  return uuidFromName(`codeweaver:shard:${run.shards}:${run.shard}`);
}

export function fileId(path: string): string {
  return uuidFromName(`codeweaver:file:${path}`);
}

/** "src/http/pool.ts" → ["src", "src/http"]: what a directory filter matches on. */
export function directoryPrefixes(path: string): string[] {
  const parts = path.split('/').slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

export function match(key: string, value: string) {
  return { key, match: { value } };
}

export function matchAny(key: string, values: string[]) {
  return { key, match: { any: values } };
}

/**
 * Manifests of one shard's files: by their key's range, and any written by an older cw without
 * a key (the caller checks those by path).
 */
export function shardManifests(shard: Shard): Filter {
  return { must: [match('kind', 'file'), { should: [{ key: 'path_key', range: shardKeyRange(shard) }, { is_empty: { key: 'path_key' } }] }] };
}

export function shardRunPoint(run: ShardRun): Point {
  return { id: shardRunId(run), vector: {}, payload: { kind: 'shard', ...run } };
}

/** A shard point's payload as a ShardRun (null when it is not one). */
export function shardRunOf(payload: Payload | null | undefined): ShardRun | null {
  if (!payload || payload.kind !== 'shard' || typeof payload.shard !== 'number' || typeof payload.shards !== 'number') return null;
  const { kind: _kind, ...run } = payload;
  return run as unknown as ShardRun;
}

/** Manifests whose file is recorded (not a pending intent). */
export const RECORDED_FILES: Filter = { must: [match('kind', 'file')], must_not: [{ is_null: { key: 'file_hash' } }] };

export function chunkPoint(file: FileWrite, c: FileWrite['chunks'][number]): Point {
  const vector: Record<string, unknown> = { [LEXICAL]: documentSparseVector(`${c.symbol ?? ''}\n${c.content}`) };
  if (c.vector) vector[DENSE] = Array.from(c.vector);
  return {
    id: c.id,
    vector,
    payload: {
      kind: 'chunk',
      path: file.path,
      dirs: directoryPrefixes(file.path),
      language: c.language,
      symbol: c.symbol,
      ...(c.definitions ? { definitions: c.definitions } : {}),
      start_line: c.startLine,
      end_line: c.endLine,
      content_hash: c.contentHash,
      tokens: c.tokens,
      content: c.content,
    },
  };
}

/** The manifest of a file about to be written: no hash yet, so no run takes it as done. */
export function intentPoint(file: FileWrite, now: string): Point {
  return {
    id: fileId(file.path),
    vector: {},
    payload: { kind: 'file', path: file.path, path_key: pathKey(file.path), file_hash: null, language: file.language, chunk_count: null, indexed_at: now },
  };
}

/** The manifest of a file whose chunks are all stored. */
export function manifestPoint(file: FileWrite, now: string): Point {
  return {
    id: fileId(file.path),
    vector: {},
    payload: {
      kind: 'file',
      path: file.path,
      path_key: pathKey(file.path),
      file_hash: file.fileHash,
      language: file.language,
      chunk_count: file.chunks.length,
      indexed_at: now,
    },
  };
}
