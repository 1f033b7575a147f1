import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readEnvKnobs, type EnvKnobs } from '../config/env.js';
import { loadConfig, type ConfigFlags, type LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { keyEnvOf } from '../embedding/providers.js';
import { RERANK_KEY_ENV } from '../rerank/create.js';
import { UsageError } from '../errors.js';
import { addSecret, addSecretsFromEnv } from '../redact.js';
import { enclosingIndexRoot, hasOwnIndex, isUnmarkedBroadRoot, locateRepositoryRoot } from '../session/locate.js';
import { quotePath } from '../quote-path.js';
import type { RetryEvent } from '../http/retry.js';
import { Session } from '../session/session.js';
import type { CommonOptions } from './options.js';
import { DownloadView } from './download-view.js';
import { Output } from './output.js';
import { plainIntervalMs } from './progress.js';

/** How long in-flight work may finish after the first Ctrl-C (CODEWEAVER_GRACE_SECONDS overrides). */
export const DEFAULT_GRACE_SECONDS = 10;

export interface Runtime {
  out: Output;
  root: string;
  loaded: LoadedConfig;
  env: NodeJS.ProcessEnv;
  /** The CODEWEAVER_* knobs, validated before anything was opened. */
  knobs: EnvKnobs;
  graceMs: number;
  /** The index core this command runs on; closed by `withSession`. */
  session: Session;
  /** Who else hears of provider retries (a progress display). */
  onRetry(listener: ((provider: string, event: RetryEvent) => void) | null): void;
}

export function createOutput(opts: CommonOptions): Output {
  return new Output({ json: Boolean(opts.json), quiet: Boolean(opts.quiet), verbose: Boolean(opts.verbose) });
}

/**
 * Resolves the root, loads configuration and opens the session (its pool, store and chunkers).
 * Without a path, the repository is found upwards from the working directory, as git does.
 */
export async function createRuntime(out: Output, rootArg: string | undefined, opts: CommonOptions, flags: ConfigFlags): Promise<Runtime> {
  // Before anything is read or created: a bad knob is one line and exit 2, and nothing is made.
  const env = process.env;
  const knobs = readEnvKnobs(env);
  const given = path.resolve(rootArg ?? '.');
  const info = await stat(given).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`${rootArg ?? given}: not a directory — give the repository's path`);
  const root = rootArg === undefined ? locateRepositoryRoot(given) : given;

  const loaded = await loadConfig({ searchFrom: root, configFile: opts.config, flags, env });
  registerSecrets(loaded.config, env);
  let retryListener: ((provider: string, event: RetryEvent) => void) | null = null;
  const downloads = new DownloadView(out, plainIntervalMs(knobs));
  const session = new Session({
    root,
    loaded,
    reload: () => loadConfig({ searchFrom: root, configFile: opts.config, flags, env }),
    env,
    knobs,
    hooks: {
      onWarning: (m) => out.warn(m),
      onInfo: (m) => out.info(m),
      onDebug: (m) => out.debug(m),
      onRetry: (provider, e) => {
        retryListener?.(provider, e);
        out.debug(
          `${provider}: attempt ${e.attempt} failed (${e.verdict === 'rate-limited' ? 'rate limited' : oneLine(e.error)}); retrying in ${(e.delayMs / 1000).toFixed(1)} s`,
        );
      },
      onModelDownload: (p) => downloads.update(p),
    },
  });
  return {
    out,
    root,
    loaded,
    env,
    knobs,
    graceMs: (knobs.graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000,
    session,
    onRetry: (listener) => {
      retryListener = listener;
    },
  };
}

/** Keys named by the configuration, and passwords inside configured URLs, are never printed. */
function registerSecrets(config: Config, env: NodeJS.ProcessEnv): void {
  const { provider, api_key_env } = config.embedding;
  const rerank = config.search.rerank;
  const names = [
    config.store.api_key_env,
    ...(api_key_env ? [api_key_env] : keyEnvOf(provider)),
    ...(rerank.api_key_env ? [rerank.api_key_env] : rerank.provider ? RERANK_KEY_ENV[rerank.provider] : []),
  ];
  addSecretsFromEnv(env, names);
  for (const url of [config.embedding.base_url, config.store.url, rerank.base_url, env.QDRANT_URL]) {
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
 * Runs a command body with a session for `rootArg`, closing it (store, chunkers, pool) however
 * the body ends. The body resolves with the exit code.
 */
export async function withSession(
  rootArg: string | undefined,
  opts: CommonOptions,
  flags: ConfigFlags,
  body: (rt: Runtime) => Promise<number>,
): Promise<number> {
  const rt = await createRuntime(createOutput(opts), rootArg, opts, flags);
  try {
    return await body(rt);
  } finally {
    await rt.session.close();
  }
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/** Long-lived commands refuse to take `/` or $HOME for a repository (an editor's working directory is often `/`). */
export function refuseBroadRoot(command: string, root: string): void {
  if (isUnmarkedBroadRoot(root)) {
    throw new UsageError(`cw ${command}: ${root} is not a repository (no .git, codeweaver config or index) — pass the repository's path, e.g. cw ${command} /path/to/repo`);
  }
}

/**
 * A first index inside an indexed repository is a `cw index .` (or `cw watch .`) typed in a
 * subdirectory far more often than a wish for a second index, which every command below it would
 * then use: refused unless `--here` says it is wanted.
 */
export function refuseNestedIndex(command: string, root: string, here: boolean | undefined): void {
  const enclosing = hasOwnIndex(root) ? null : enclosingIndexRoot(root);
  if (enclosing && !here) {
    throw new UsageError(
      `${root} is inside ${enclosing}, which has its own index — run cw ${command} ${quotePath(enclosing)} to use that one, or pass --here to create a separate index for this directory`,
    );
  }
}
