import {
  resolveHttpPoolSettings,
  type HttpPoolConfig,
  type HttpPoolOverrides,
  type HttpPoolSettings,
} from '../config/schema.js';
import { ServiceError } from '../errors.js';
import type { ExtraCa } from './agent-options.js';
import { createHttpClient, type PooledHttpClient } from './client.js';
import type { HttpClient, HttpClientStats } from './types.js';

export interface HttpClientPoolOptions {
  /** Extra trusted CA certificates (PEM), e.g. for loopback test servers or corporate proxies. */
  ca?: ExtraCa;
  /** Called with a one-line message for things the user should know (e.g. conflicting overrides). */
  onWarning?: (message: string) => void;
}

/** getClient after closeAll/destroyAll: the run is shutting down. */
export class HttpPoolClosedError extends ServiceError {
  constructor(name: string) {
    super(`http pool: client "${name}" requested after the pool was closed (the run is shutting down)`);
  }
}

/**
 * The process's HTTP clients, one per name (voyage, cohere, qdrant, …), each its own undici
 * Agent with its own `http_pool` settings. Clients are created on first use and live until
 * closeAll/destroyAll; settings mapping and what is enforced where: agent-options.ts.
 */
export class HttpClientPool {
  readonly #config: HttpPoolConfig;
  readonly #options: HttpClientPoolOptions;
  readonly #clients = new Map<string, PooledHttpClient>();
  readonly #warned = new Set<string>();
  #closing: Promise<void> | undefined;
  #destroying: Promise<void> | undefined;

  constructor(config: HttpPoolConfig, options: HttpClientPoolOptions = {}) {
    this.#config = config;
    this.#options = options;
  }

  /**
   * One undici Agent per name, created lazily and cached; the same name returns the same HttpClient.
   * Settings = resolveHttpPoolSettings(config, name, { providerDefaults }) then `overrides`. Overrides apply on
   * first creation; a later call with *different* overrides calls onWarning and returns the existing client.
   */
  getClient(name: string, overrides?: HttpPoolOverrides, opts: { providerDefaults?: boolean; concurrency?: number } = {}): HttpClient {
    if (this.#closing || this.#destroying) throw new HttpPoolClosedError(name);
    const wanted = { ...resolveHttpPoolSettings(this.#config, name, opts), ...definedOnly(overrides) };
    const existing = this.#clients.get(name);
    if (!existing) {
      const client = createHttpClient(name, wanted, this.#options.ca);
      this.#clients.set(name, client);
      return client;
    }
    const asksForSomething = overrides !== undefined || opts.providerDefaults !== undefined;
    if (asksForSomething) this.#warnOnConflict(existing, wanted);
    return existing;
  }

  /** Stats of every client created so far, keyed by name. */
  stats(): Record<string, HttpClientStats> {
    return Object.fromEntries([...this.#clients].map(([name, client]) => [name, client.stats()]));
  }

  /**
   * Graceful close of every Agent: in-flight requests may finish until `deadlineMs`, then the
   * remaining sockets are destroyed. Idempotent; one Agent's failure does not stop the others
   * (it is reported through onWarning).
   */
  closeAll(deadlineMs = 5000): Promise<void> {
    // After destroyAll (a second Ctrl-C) every Agent is already gone: closing them again would
    // only fail ("The client is destroyed") and warn about what the user asked for.
    this.#closing ??= this.#destroying ?? this.#settleAll('close', (client) => closeWithin(client, deadlineMs));
    return this.#closing;
  }

  /** Like closeAll but destroys at once (second Ctrl-C); also cuts short a closeAll in progress. */
  destroyAll(): Promise<void> {
    this.#destroying ??= this.#settleAll('destroy', (client) => client.dispatcher.destroyNow());
    return this.#destroying;
  }

  async #settleAll(verb: string, each: (client: PooledHttpClient) => Promise<void>): Promise<void> {
    const clients = [...this.#clients.values()];
    const results = await Promise.allSettled(clients.map(each));
    results.forEach((result, i) => {
      // A close cut short by our own destroyAll failed as asked, not on its own.
      if (result.status === 'rejected' && !(verb === 'close' && this.#destroying)) {
        const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
        this.#options.onWarning?.(`http pool: could not ${verb} client "${clients[i].name}": ${reason}`);
      }
    });
  }

  #warnOnConflict(existing: HttpClient, wanted: HttpPoolSettings): void {
    const differing = (Object.keys(wanted) as Array<keyof HttpPoolSettings>).filter(
      (key) => wanted[key] !== existing.settings[key],
    );
    if (differing.length === 0) return;
    const has = differing.map((k) => `${k}=${existing.settings[k]}`).join(', ');
    const asked = differing.map((k) => `${k}=${wanted[k]}`).join(', ');
    const message =
      `http pool: client "${existing.name}" already exists with ${has}; ignoring ${asked} requested later ` +
      `(set http_pool.providers.${existing.name} in the config instead)`;
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    this.#options.onWarning?.(message);
  }
}

/** Graceful close; past the deadline, destroy what is still open (in-flight requests fail). */
async function closeWithin(client: PooledHttpClient, deadlineMs: number): Promise<void> {
  const agent = client.dispatcher;
  const closed = agent.close();
  // Once destroyed, close() may never settle (undici leaves a Pool's queued close pending).
  closed.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), deadlineMs);
  });
  try {
    if ((await Promise.race([closed, deadline])) === 'deadline') await agent.destroyNow();
  } finally {
    clearTimeout(timer);
  }
}

function definedOnly(overrides: HttpPoolOverrides | undefined): Partial<HttpPoolSettings> {
  return Object.fromEntries(Object.entries(overrides ?? {}).filter(([, v]) => v !== undefined));
}
