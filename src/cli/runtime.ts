import { stat } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, type ConfigFlags, type LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { PROVIDERS } from '../embedding/providers.js';
import { UsageError } from '../errors.js';
import { addSecret, addSecretsFromEnv } from '../redact.js';
import { HttpClientPool, setDefaultPool } from '../http/pool.js';
import type { CommonOptions } from './options.js';
import { Output } from './output.js';

/** How long in-flight work may finish after the first Ctrl-C (CODEWEAVER_GRACE_SECONDS overrides). */
export const DEFAULT_GRACE_SECONDS = 10;
/** How long closing the pool may take before its sockets are destroyed. */
export const POOL_CLOSE_DEADLINE_MS = 3000;

export interface Runtime {
  out: Output;
  root: string;
  loaded: LoadedConfig;
  pool: HttpClientPool;
  env: NodeJS.ProcessEnv;
  graceMs: number;
  /** Closes everything this runtime opened; idempotent. */
  close(): Promise<void>;
  /** Runs `fn` at close (stores, etc.), before the pool is closed. */
  onClose(fn: () => Promise<void> | void): void;
}

export function createOutput(opts: CommonOptions): Output {
  return new Output({ json: Boolean(opts.json), quiet: Boolean(opts.quiet), verbose: Boolean(opts.verbose) });
}

/** Resolves the root, loads configuration and creates the one pool of the process. */
export async function createRuntime(
  out: Output,
  rootArg: string | undefined,
  opts: CommonOptions,
  flags: ConfigFlags,
): Promise<Runtime> {
  const root = path.resolve(rootArg ?? '.');
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`${rootArg ?? root}: not a directory — give the repository's path`);

  const env = process.env;
  const loaded = await loadConfig({ searchFrom: root, configFile: opts.config, flags, env });
  registerSecrets(loaded.config, env);
  const pool = new HttpClientPool(loaded.config.http_pool, { onWarning: (m) => out.warn(m) });
  setDefaultPool(pool);

  const closers: Array<() => Promise<void> | void> = [];
  let closing: Promise<void> | null = null;
  const graceSeconds = Number(env.CODEWEAVER_GRACE_SECONDS);
  return {
    out,
    root,
    loaded,
    pool,
    env,
    graceMs: (Number.isFinite(graceSeconds) && graceSeconds > 0 ? graceSeconds : DEFAULT_GRACE_SECONDS) * 1000,
    onClose: (fn) => closers.push(fn),
    close: () =>
      (closing ??= (async () => {
        for (const fn of closers.reverse()) {
          try {
            await fn();
          } catch (err) {
            out.debug(`while closing: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
        await pool.closeAll(POOL_CLOSE_DEADLINE_MS);
        setDefaultPool(null);
      })()),
  };
}

/** Keys named by the configuration, and passwords inside configured URLs, are never printed. */
function registerSecrets(config: Config, env: NodeJS.ProcessEnv): void {
  const { provider, api_key_env } = config.embedding;
  const names = [config.store.api_key_env, ...(api_key_env ? [api_key_env] : provider !== 'local' ? PROVIDERS[provider].keyEnv : [])];
  addSecretsFromEnv(env, names);
  for (const url of [config.embedding.base_url, config.store.url, env.QDRANT_URL]) {
    if (!url) continue;
    try {
      const u = new URL(url);
      addSecret(decodeURIComponent(u.password));
      if (!u.password) addSecret(decodeURIComponent(u.username)); // a bare token as userinfo
    } catch {
      // not a URL: the schema reports it
    }
  }
}

/**
 * Runs a command body with a runtime for `rootArg`, closing it (store, pool) however the body
 * ends. The body resolves with the exit code.
 */
export async function withRuntime(
  rootArg: string | undefined,
  opts: CommonOptions,
  flags: ConfigFlags,
  body: (rt: Runtime) => Promise<number>,
): Promise<number> {
  const rt = await createRuntime(createOutput(opts), rootArg, opts, flags);
  try {
    return await body(rt);
  } finally {
    await rt.close();
  }
}
