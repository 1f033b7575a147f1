import { resolveHttpPoolSettings, type Config } from '../config/schema.js';
import { embeddedKind } from './kinds/embedded.js';
import type { StoreDeps, StoreKindModule } from './kinds/kind.js';
import { qdrantKind } from './kinds/qdrant.js';
import type { VectorStore } from './vector-store.js';

export { DEFAULT_QDRANT_URL } from './kinds/qdrant.js';
export type CreateStoreDeps = StoreDeps;

/** The one place that maps `store.kind` to its module. */
export async function createStore(config: Config, root: string, deps: StoreDeps): Promise<VectorStore> {
  const kind = config.store.kind === 'qdrant' ? qdrantKind : embeddedKind;
  const module = kind as StoreKindModule<{ kind: string }>;
  const settings = await module.settings(config.store, root, (client) => resolveHttpPoolSettings(config.http_pool, client));
  return module.create(settings, deps);
}
