import type { WriteThreadKnob } from '../../config/env.js';
import type { HttpPoolSettings, StoreConfig } from '../../config/schema.js';
import type { VectorStore } from '../vector-store.js';

/** A flag that sets one of a kind's keys (`store.<key>`). `name` is commander's camelCase property. */
export interface StoreFlag {
  option: string;
  name: string;
  key: string;
  description: string;
}

export interface StoreDeps {
  env: NodeJS.ProcessEnv;
  /** CODEWEAVER_WRITE_THREAD, validated (config/env.ts); the embedded store's alone. */
  writeThread?: WriteThreadKnob;
  onWarning?: (message: string) => void;
}

/**
 * One store kind: the flags and environment variables that set its keys, how its settings
 * resolve from the configuration (a discriminated union: each kind's own typed settings), and
 * its factory. The keys themselves are declared beside it (`*Fields`) and composed into the
 * `store` section of the configuration schema.
 */
export interface StoreKindModule<S extends { kind: string }> {
  name: S['kind'];
  flags: StoreFlag[];
  /** Environment variables that supply one of its keys. */
  env: Array<{ env: string; key: string }>;
  /** `httpFor(client)`: the resolved pool settings of a client name (the Qdrant client sizes its own Agent from them). */
  settings(store: StoreConfig, root: string, httpFor: (client: string) => HttpPoolSettings): Promise<S>;
  create(settings: S, deps: StoreDeps): Promise<VectorStore>;
}
