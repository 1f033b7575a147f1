import type { StoreKind } from '../../config/store-kinds.js';
import { embeddedKind } from './embedded.js';
import type { StoreKindModule } from './kind.js';
import { qdrantKind } from './qdrant.js';

/** Every store kind's module, by the name `store.kind` gives it: the one place a kind is chosen. */
export const STORE_KIND_MODULES: { readonly [K in StoreKind]: StoreKindModule<{ kind: K }> } = {
  embedded: embeddedKind,
  qdrant: qdrantKind,
};
