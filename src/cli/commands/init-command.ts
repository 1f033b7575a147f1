import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { CONFIG_SEARCH_PLACES } from '../../config/file-names.js';
import { ensureSchemaFile, SCHEMA_FILE } from '../../config/schema-file.js';
import { EMBEDDING_PROVIDERS, type EmbeddingProviderName } from '../../config/schema.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../exit-codes.js';
import { INIT_FILE_NAMES, initialConfigText, type InitFormat } from '../init-template.js';
import { addCommonOptions } from '../options.js';
import { createOutput, refuseBroadRoot } from '../runtime.js';

interface InitOptions {
  provider: EmbeddingProviderName;
  format: InitFormat;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export function initCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('init')
    .description('write a first, commented configuration file (and the JSON Schema editors check it against) into a repository')
    .argument('[path]', 'repository (default: the working directory)')
    .addOption(new Option('--provider <name>', 'embedding provider to start with').choices([...EMBEDDING_PROVIDERS]).default('local'))
    .addOption(new Option('--format <format>', 'yaml (with comments) or json').choices(['yaml', 'json']).default('yaml'));
  addCommonOptions(cmd);
  return cmd.action(async (rootArg: string | undefined, opts: InitOptions) => {
    const out = createOutput(opts);
    const root = path.resolve(rootArg ?? '.');
    refuseBroadRoot('init', root);
    // One configuration per repository: a second file would be ignored or win by search order.
    const existing = CONFIG_SEARCH_PLACES.filter((f) => f !== 'package.json').find((f) => existsSync(path.join(root, f)));
    if (existing) throw new UsageError(`${path.join(root, existing)} already exists — edit it (cw config shows what it resolves to), or remove it to start again`);
    const file = path.join(root, INIT_FILE_NAMES[opts.format]);
    writeFileSync(file, initialConfigText(opts.format, opts.provider), { flag: 'wx' });
    ensureSchemaFile(root);
    out.result({ file, schema: path.join(root, SCHEMA_FILE), provider: opts.provider });
    out.print(
      [
        `wrote ${file}`,
        `wrote ${path.join(root, SCHEMA_FILE)} (the schema the file names; cw keeps it in step with its version)`,
        '',
        'next:',
        `  cw index${rootArg ? ` ${rootArg}` : ''}            build the index${opts.provider === 'local' ? ' (lexical, offline)' : ''}`,
        '  cw search "what you look for"',
        '  cw mcp install --client claude-code   let an agent search it',
      ].join('\n'),
    );
    setExit(ExitCode.Ok);
  });
}
