/**
 * The embedded store kind: its settings and its factory (its keys: config/store-kinds.ts).
 * The default: one SQLite file in the repository, no server, no key.
 */
import path from 'node:path';
import type { WriteThreadKnob } from '../../config/env.js';
import type { StoreKindModule } from './kind.js';


/**
 * CODEWEAVER_WRITE_THREAD: `on` writes on the index's own thread from a run's first write, `off`
 * never; `auto` (the default), the store's own rule: a run moves its writes there once it has
 * written enough to gain from it.
 */
function writeThread(knob: WriteThreadKnob | undefined): { after: number } | null | undefined {
  return knob === 'on' ? { after: 0 } : knob === 'off' ? null : undefined;
}

export interface EmbeddedSettings {
  kind: 'embedded';
  /** Absolute path of the index file. */
  file: string;
}

export const embeddedKind: StoreKindModule<EmbeddedSettings> = {
  name: 'embedded',
  async settings(store, root, _httpFor) {
    return { kind: 'embedded', file: path.resolve(root, store.path) };
  },
  async create(settings, deps) {
    const thread = writeThread(deps.writeThread);
    // Loaded when used: a Qdrant run never pays for SQLite's startup, nor the reverse.
    const { EmbeddedStore } = await import('../embedded.js');
    return new EmbeddedStore({ path: settings.file, writeThread: thread, vectorExtension: deps.sqliteVec ?? true, onWarning: deps.onWarning });
  },
};
