import { fetch as undiciFetch } from 'undici';
import type { HttpPoolSettings } from '../config/schema.js';
import type { ExtraCa } from './agent-options.js';
import { toHttpError } from './errors.js';
import { PooledAgent } from './pooled-agent.js';
import { StatsRecorder } from './stats.js';
import type { HttpClient, PooledFetch } from './types.js';

/** An HttpClient whose Agent the pool can destroy outright (see PooledAgent.destroyNow). */
export type PooledHttpClient = HttpClient & { readonly dispatcher: PooledAgent };

/**
 * Builds one named client: its Agent and undici's fetch bound to it. Rejections are
 * mapped to our typed errors (see errors.ts); the caller's own AbortError passes through.
 * Errors met while reading a response body surface as fetch's `TypeError: terminated`
 * with our typed error as `cause` — `classifyHttpError` looks through it.
 */
export function createHttpClient(name: string, settings: HttpPoolSettings, ca: ExtraCa | undefined): PooledHttpClient {
  const stats = new StatsRecorder();
  const frozen = Object.freeze({ ...settings });
  const dispatcher = new PooledAgent({ name, settings: frozen, stats }, ca);
  const fetch: PooledFetch = (input, init) =>
    undiciFetch(input, { ...init, dispatcher }).catch((err: unknown) => {
      throw toHttpError(err, name);
    });
  return { name, settings: frozen, dispatcher, fetch, stats: () => stats.snapshot() };
}
