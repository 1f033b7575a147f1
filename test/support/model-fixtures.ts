/** The models made for the tests (scripts/make-tiny-embedder.py), as a hub double serves them. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const MODELS = path.resolve(import.meta.dirname, '../fixtures/models');
/** BERT-like: WordPiece, token_type_ids, 1_Pooling/ stating mean pooling. */
export const TINY_EMBEDDER = path.join(MODELS, 'tiny-embedder');
/** In the default model's export layout (ModernBERT): byte-level BPE, no token_type_ids, no 1_Pooling/. */
export const TINY_BPE_EMBEDDER = path.join(MODELS, 'tiny-bpe-embedder');

/** Every file under `dir`, by its path in the repository. */
export function fixtureFiles(dir: string, prefix = ''): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) Object.assign(files, fixtureFiles(full, `${prefix}${name}/`));
    else files[`${prefix}${name}`] = readFileSync(full);
  }
  return files;
}
