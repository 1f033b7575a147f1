import { resolveHttpPoolSettings, type Config } from '../config/schema.js';
import type { StoreDeps, StoreKindModule } from './kinds/kind.js';
import { STORE_KIND_MODULES } from './kinds/index.js';
import type { VectorStore } from './vector-store.js';

/** The store `store.kind` names, through the kinds' registry. */
export async function createStore(config: Config, root: string, deps: StoreDeps): Promise<VectorStore> {
  const kind = STORE_KIND_MODULES[config.store.kind] as StoreKindModule<{ kind: string }>;
  const settings = await kind.settings(config.store, root, (client) => resolveHttpPoolSettings(config.http_pool, client));
  return kind.create(settings, deps);
}
