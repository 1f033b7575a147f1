import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { cosmiconfig } from 'cosmiconfig';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { STORE_ENV, STORE_FLAGS } from './store-kinds.js';
import { ConfigSchema, type Config } from './schema.js';
import { describeIssue } from './issues.js';

export { CONFIG_SEARCH_PLACES } from './file-names.js';
import { CONFIG_SEARCH_PLACES } from './file-names.js';

/**
 * Values given on the command line; each overrides the file. Store kinds add their own flags
 * (config/store-kinds.ts), under their commander names (e.g. `qdrantUrl`).
 */
export interface ConfigFlags {
  provider?: string;
  model?: string;
  baseUrl?: string;
  store?: string;
  concurrency?: number;
  [storeFlag: string]: string | number | undefined;
}

/** Flag → key path, and the flag's spelling for messages. */
const FLAG_KEYS: Record<string, { path: string[]; flag: string }> = {
  provider: { path: ['embedding', 'provider'], flag: '--provider' },
  model: { path: ['embedding', 'model'], flag: '--model' },
  baseUrl: { path: ['embedding', 'base_url'], flag: '--base-url' },
  store: { path: ['store', 'kind'], flag: '--store' },
  concurrency: { path: ['embedding', 'concurrency'], flag: '--concurrency' },
  ...Object.fromEntries(STORE_FLAGS.map((f) => [f.name, { path: ['store', f.key], flag: f.option.split(' ')[0]! }])),
};

/** Environment variables that supply configuration values (secrets are read later, by name). */
const ENV_KEYS: Array<{ env: string; path: string[] }> = STORE_ENV.map(({ env, key }) => ({ env, path: ['store', key] }));

export interface LoadedConfig {
  config: Config;
  /** The file the configuration came from, or null when only defaults/env/flags apply. */
  filepath: string | null;
  /** Where each set value came from, by dotted key path: a file path, `env NAME` or `flag --x`. Unlisted keys are defaults. */
  origins: Record<string, string>;
  /** A configuration file was found but sets nothing (so every value is a default). */
  fileEmpty: boolean;
}

export interface LoadConfigOptions {
  /** Directory to search upwards from (the indexed path). */
  searchFrom: string;
  /** `--config FILE`: skips the search. */
  configFile?: string;
  flags?: ConfigFlags;
  env?: NodeJS.ProcessEnv;
}

export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const { raw, filepath } = await readConfigFile(options);
  const fileEmpty = filepath !== null && leafPaths(raw).length === 0;
  const origins: Record<string, string> = {};
  const fileLabel = filepath ? displayPath(filepath) : null;
  if (fileLabel) for (const key of leafPaths(raw)) origins[key] = fileLabel;

  const merged = structuredClone(raw) as Record<string, unknown>;
  for (const { env: name, path: keyPath } of ENV_KEYS) {
    const value = env[name];
    if (value) {
      setPath(merged, keyPath, value);
      origins[keyPath.join('.')] = `env ${name}`;
    }
  }
  for (const [name, value] of Object.entries(options.flags ?? {})) {
    if (value === undefined || !FLAG_KEYS[name]) continue;
    const { path: keyPath, flag } = FLAG_KEYS[name];
    setPath(merged, keyPath, value);
    origins[keyPath.join('.')] = `flag ${flag}`;
  }

  const parsed = ConfigSchema.safeParse(merged, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => formatIssue(issue, origins, fileLabel)));
  }
  return { config: parsed.data, filepath, origins, fileEmpty };
}

async function readConfigFile(options: LoadConfigOptions): Promise<{ raw: unknown; filepath: string | null }> {
  const explorer = cosmiconfig('codeweaver', {
    searchPlaces: CONFIG_SEARCH_PLACES,
    searchStrategy: 'global',
    stopDir: path.parse(path.resolve(options.searchFrom)).root,
  });
  let result;
  try {
    result = options.configFile
      ? await explorer.load(path.resolve(options.configFile))
      : await explorer.search(path.resolve(options.searchFrom));
  } catch (err) {
    const file = options.configFile ?? (err as { filepath?: string }).filepath ?? 'configuration file';
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`${file}: no such file — check the --config path`);
    throw new ConfigError(syntaxProblem(err, displayPath(file)), { cause: err });
  }
  if (!result || result.isEmpty || result.config === null || result.config === undefined) {
    return { raw: {}, filepath: result?.filepath ?? null };
  }
  if (typeof result.config !== 'object' || Array.isArray(result.config)) {
    throw new ConfigError(`${result.filepath}: must hold an object of settings (see codeweaver.config.example.json)`);
  }
  return { raw: result.config, filepath: result.filepath };
}

/**
 * "file:line:column: what the parser said — fix the syntax". cosmiconfig's JSON errors carry
 * a code frame (the line marked with '>', the column with '^'); YAML errors a mark.
 */
export function syntaxProblem(err: unknown, file: string): string {
  const e = err as { name?: string; message?: string; codeFrame?: string; reason?: string; mark?: { line: number; column: number } };
  if (e.mark && typeof e.mark.line === 'number') {
    return `${file}:${e.mark.line + 1}:${e.mark.column + 1}: ${e.reason ?? 'invalid YAML'} — fix the syntax`;
  }
  // The code frame may come coloured (its highlighter decides on its own, e.g. under CI).
  const message = stripVTControlCharacters(String(e.message ?? err));
  if (e.codeFrame || /^JSON Error/.test(message)) {
    const frame = stripVTControlCharacters(e.codeFrame ?? message);
    const lines = frame.split('\n');
    const marked = lines.findIndex((l) => /^>\s*\d+ \|/.test(l));
    const line = marked >= 0 ? Number(/\d+/.exec(lines[marked]!)![0]) : null;
    const caret = marked >= 0 ? lines[marked + 1]?.indexOf('^') : -1;
    const gutter = marked >= 0 ? lines[marked]!.indexOf('|') + 2 : 0;
    const column = caret !== undefined && caret >= gutter ? caret - gutter + 1 : null;
    const reason =
      message
        .split('\n')
        .map((l) => l.trim())
        .find((l) => l && !/^JSON Error/.test(l) && !/^>?\s*\d+ \|/.test(l) && !/^\|/.test(l))
        ?.replace(/ while parsing .*$/, '')
        .replace(/ in JSON at position \d+.*$/, '') ?? 'invalid JSON';
    return `${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: ${reason} — fix the syntax`;
  }
  // A JavaScript config: the engine's message (SyntaxError, or what the module threw).
  const first = message.split('\n')[0]!.replace(file, '').trim();
  return `${file}: cannot be loaded: ${first || e.name || 'error'} — fix the file`;
}

function formatIssue(issue: z.core.$ZodIssue, origins: Record<string, string>, fileLabel: string | null): string {
  const keyPath = issue.path.map(String).join('.');
  // Name where the bad value came from: the file, an env var or a flag.
  const source = origins[keyPath] ?? fileLabel ?? 'configuration';
  return `${source}: ${describeIssue(issue)}`;
}

/** Relative to the working directory when inside it, else absolute: short, but never ambiguous. */
function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

function leafPaths(value: unknown, prefix: string[] = []): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return prefix.length ? [prefix.join('.')] : [];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

function setPath(target: Record<string, unknown>, keyPath: string[], value: unknown): void {
  let node = target;
  for (const key of keyPath.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keyPath[keyPath.length - 1]!] = value;
}
