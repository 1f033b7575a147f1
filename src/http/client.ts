import { fetch as undiciFetch, request as undiciRequest } from 'undici';
import type { HttpPoolSettings } from '../config/schema.js';
import type { ExtraCa } from './agent-options.js';
import { toHttpError } from './errors.js';
import { PooledAgent } from './pooled-agent.js';
import { RateLimitCooldown } from './rate-limit.js';
import { StatsRecorder } from './stats.js';
import type { HttpClient, PooledFetch, PooledRequest } from './types.js';

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
  // Errors while the body is read (a cut connection, a stalled body) are mapped like the request's.
  const request: PooledRequest = async (url, { method, headers, body, signal }) => {
    try {
      const res = await undiciRequest(url, { method, headers, body, signal, dispatcher });
      const bytes = new Uint8Array(await res.body.arrayBuffer());
      const raw = res.headers;
      return {
        status: res.statusCode,
        headers: { get: (h: string) => headerValue(raw[h.toLowerCase()]) },
        body: bytes,
      };
    } catch (err) {
      throw toHttpError(err, name);
    }
  };
  return { name, cooldown: new RateLimitCooldown(), settings: frozen, dispatcher, fetch, request, stats: () => stats.snapshot() };
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}
