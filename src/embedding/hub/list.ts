import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ONNX_VARIANT_FILES } from '../onnx/known-models.js';

export interface CachedModel {
  repo: string;
  /** Branch or tag → commit, as refs/ records them. */
  refs: Record<string, string>;
  /** Bytes of the blobs (each file once, however many snapshots link it). */
  bytes: number;
  /** Whether a snapshot holds what the onnx provider needs (tokenizer.json, config.json, an ONNX export). */
  usable: boolean;
}

/** The models in a hub cache, whichever tool fetched them. */
export function listCachedModels(cache: string): CachedModel[] {
  if (!existsSync(cache)) return [];
  const models: CachedModel[] = [];
  for (const entry of readdirSync(cache).sort()) {
    const m = /^models--(.+?)--(.+)$/.exec(entry);
    if (!m) continue;
    const dir = path.join(cache, entry);
    const refs: Record<string, string> = {};
    const refsDir = path.join(dir, 'refs');
    if (existsSync(refsDir)) for (const ref of readdirSync(refsDir)) refs[ref] = readFileSync(path.join(refsDir, ref), 'utf8').trim();
    const blobs = path.join(dir, 'blobs');
    const bytes = existsSync(blobs) ? readdirSync(blobs).reduce((n, b) => n + (lstatSync(path.join(blobs, b)).isFile() ? statSync(path.join(blobs, b)).size : 0), 0) : 0;
    const snapshots = path.join(dir, 'snapshots');
    const has = (snap: string, file: string) => existsSync(path.join(snapshots, snap, ...file.split('/')));
    const usable = existsSync(snapshots) && readdirSync(snapshots).some((s) => has(s, 'tokenizer.json') && has(s, 'config.json') && Object.values(ONNX_VARIANT_FILES).flat().some((f) => has(s, f)));
    models.push({ repo: `${m[1]}/${m[2]}`, refs, bytes, usable });
  }
  return models;
}
