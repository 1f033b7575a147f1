import type { WriteThreadKnob } from '../../config/env.js';
import type { HttpPoolSettings, StoreConfig } from '../../config/schema.js';
import type { VectorStore } from '../vector-store.js';


export interface StoreDeps {
  env: NodeJS.ProcessEnv;
  /** CODEWEAVER_WRITE_THREAD, validated (config/env.ts); the embedded store's alone. */
  writeThread?: WriteThreadKnob;
  /** CODEWEAVER_SQLITE_VEC, validated: false never loads sqlite-vec (the embedded store's alone). */
  sqliteVec?: boolean;
  onWarning?: (message: string) => void;
}

/**
 * One store kind: how its settings resolve from the configuration (a discriminated union: each
 * kind's own typed settings), and its factory. Its keys, flags and environment variables belong
 * to the configuration (config/store-kinds.ts).
 */
export interface StoreKindModule<S extends { kind: string }> {
  name: S['kind'];
  /** `httpFor(client)`: the resolved pool settings of a client name (the Qdrant client sizes its own Agent from them). */
  settings(store: StoreConfig, root: string, httpFor: (client: string) => HttpPoolSettings): Promise<S>;
  create(settings: S, deps: StoreDeps): Promise<VectorStore>;
}
