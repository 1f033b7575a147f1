import { embeddedKind, type EmbeddedSettings } from './embedded.js';
import { qdrantKind, type QdrantSettings } from './qdrant.js';

export { embeddedFields } from './embedded.js';
export { qdrantFields, DEFAULT_QDRANT_URL } from './qdrant.js';

/** Every store kind; the first is the default. */
export const STORE_KIND_MODULES = [embeddedKind, qdrantKind] as const;
export const STORE_KINDS = ['embedded', 'qdrant'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** A store's resolved settings: one variant per kind. */
export type StoreSettings = EmbeddedSettings | QdrantSettings;

/** Flags of every kind, for commands that take store options. */
export const STORE_FLAGS = STORE_KIND_MODULES.flatMap((k) => k.flags);
/** Environment variables of every kind. */
export const STORE_ENV = STORE_KIND_MODULES.flatMap((k) => k.env);
