/**
 * The embedded store kind in one place: its configuration keys, its flags and its factory.
 * The default: one SQLite file in the repository, no server, no key.
 */
import path from 'node:path';
import { z } from 'zod';
import type { StoreKindModule } from './kind.js';

export const embeddedFields = {
  path: z
    .string()
    .min(1)
    .default('.codeweaver/index.sqlite')
    .meta({ description: 'Embedded index file, relative to the indexed repository.' }),
};

export interface EmbeddedSettings {
  kind: 'embedded';
  /** Absolute path of the index file. */
  file: string;
}

export const embeddedKind: StoreKindModule<EmbeddedSettings> = {
  name: 'embedded',
  flags: [],
  env: [],
  async settings(store, root, _httpFor) {
    return { kind: 'embedded', file: path.resolve(root, store.path) };
  },
  async create(settings) {
    // Loaded when used: a Qdrant run never pays for SQLite's startup, nor the reverse.
    const { EmbeddedStore } = await import('../embedded.js');
    return new EmbeddedStore({ path: settings.file });
  },
};
