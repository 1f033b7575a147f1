import { Option, type Command } from 'commander';
import { EMBEDDING_PROVIDERS, STORE_KINDS } from '../config/schema.js';
import { STORE_FLAGS } from '../config/store-kinds.js';
import type { ConfigFlags } from '../config/load.js';
import { UsageError } from '../errors.js';

/** Options every command takes. */
export interface CommonOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  config?: string;
}

/** Options that override configuration values. */
export interface OverrideOptions extends CommonOptions {
  provider?: string;
  model?: string;
  baseUrl?: string;
  store?: string;
  concurrency?: string;
  /** The store kinds' own flags (`qdrantUrl`, `collection`, …). */
  [storeFlag: string]: string | boolean | string[] | undefined;
}

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print exactly one JSON document on stdout (diagnostics go to stderr)')
    .option('-q, --quiet', 'print errors only')
    .option('-v, --verbose', 'print details (skipped files, HTTP figures)')
    .option('-c, --config <file>', 'use this configuration file instead of searching for one');
}

/** `--store` and every store kind's own flags (config/store-kinds.ts). */
export function addStoreOptions(cmd: Command): Command {
  cmd.addOption(new Option('--store <kind>', 'vector store').choices([...STORE_KINDS]));
  for (const flag of STORE_FLAGS) cmd.option(flag.option, flag.description);
  return cmd;
}

export function addEmbeddingOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--provider <name>', 'embedding provider').choices([...EMBEDDING_PROVIDERS]))
    .option('--model <name>', 'embedding model')
    .option('--base-url <url>', 'embedding API base URL')
    .option('--concurrency <n>', 'embedding requests in flight');
}

export function configFlags(opts: OverrideOptions): ConfigFlags {
  return {
    provider: opts.provider,
    model: opts.model,
    baseUrl: opts.baseUrl,
    store: opts.store,
    ...Object.fromEntries(STORE_FLAGS.map((f) => [f.name, opts[f.name] as string | undefined])),
    concurrency: opts.concurrency === undefined ? undefined : parsePositiveInt('--concurrency', opts.concurrency),
  };
}

export function parsePositiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: expected a whole number ≥ 1, got "${value}"`);
  return n;
}

export function parseNonNegativeInt(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new UsageError(`${flag}: expected a whole number ≥ 0, got "${value}"`);
  return n;
}
