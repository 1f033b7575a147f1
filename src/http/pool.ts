import { Agent, fetch as undiciFetch } from 'undici';
import { resolveHttpPoolSettings, type HttpPoolConfig, type HttpPoolOverrides } from '../config/schema.js';
import type { HttpClient, HttpClientStats } from './types.js';

export interface HttpClientPoolOptions {
  /** Extra trusted CA certificates (PEM), e.g. for loopback test servers or corporate proxies. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Called with a one-line message for things the user should know (e.g. conflicting overrides). */
  onWarning?: (message: string) => void;
}

/** Skeleton: the full implementation follows in the next commit. */
export class HttpClientPool {
  readonly #config: HttpPoolConfig;
  readonly #options: HttpClientPoolOptions;
  readonly #clients = new Map<string, HttpClient>();

  constructor(config: HttpPoolConfig, options: HttpClientPoolOptions = {}) {
    this.#config = config;
    this.#options = options;
  }

  getClient(name: string, overrides?: HttpPoolOverrides, opts?: { providerDefaults?: boolean }): HttpClient {
    const existing = this.#clients.get(name);
    if (existing) return existing;
    const settings = { ...resolveHttpPoolSettings(this.#config, name, opts), ...overrides };
    const dispatcher = new Agent({ connections: settings.max_connections, allowH2: settings.enable_http2 });
    const fetch = ((input, init) => undiciFetch(input, { ...init, dispatcher })) as HttpClient['fetch'];
    const client: HttpClient = { name, settings, dispatcher, fetch, stats: () => ({}) as HttpClientStats };
    void this.#options;
    this.#clients.set(name, client);
    return client;
  }

  stats(): Record<string, HttpClientStats> {
    return Object.fromEntries([...this.#clients].map(([n, c]) => [n, c.stats()]));
  }

  closeAll(_deadlineMs = 5000): Promise<void> {
    return Promise.all([...this.#clients.values()].map((c) => c.dispatcher.close())).then(() => undefined);
  }

  destroyAll(): Promise<void> {
    return Promise.all([...this.#clients.values()].map((c) => c.dispatcher.destroy())).then(() => undefined);
  }
}

let defaultPool: HttpClientPool | null = null;

/** Process-wide accessor for code that cannot take the pool as a parameter. The CLI sets it once. */
export function setDefaultPool(pool: HttpClientPool | null): void {
  defaultPool = pool;
}

export function getDefaultPool(): HttpClientPool {
  if (!defaultPool) throw new Error('no default HttpClientPool: the CLI must call setDefaultPool() first');
  return defaultPool;
}
