/**
 * `cw mcp install --client NAME [path]`: the MCP client's configuration gains a `codeweaver`
 * server that runs `cw mcp --watch` on this repository (mcp/install.ts says where and how).
 */
import { accessSync, constants, realpathSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { applyInstall, InstallRefused, MCP_CLIENTS, planInstall, type McpClient, type ServerCommand } from '../../mcp/install.js';
import { locateRepositoryRoot } from '../../session/locate.js';
import { refuseBroadRoot, createOutput } from '../runtime.js';

interface InstallOptions {
  client: McpClient;
  print?: boolean;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export function mcpInstallCommand(setExit: (code: number) => void): Command {
  return new Command('install')
    .description("add cw mcp --watch for this repository to an MCP client's configuration (idempotent; other servers are left as they are)")
    .argument('[path]', 'repository to serve (default: the one around the working directory)')
    .addOption(new Option('--client <name>', 'the MCP client').choices([...MCP_CLIENTS]).makeOptionMandatory())
    .option('--print', 'print the entry and the file it belongs in; write nothing')
    .option('--json', 'print exactly one JSON document on stdout')
    .option('-q, --quiet', 'print errors only')
    .exitOverride()
    .addHelpText(
      'after',
      '\nFiles: claude-code .mcp.json, cursor .cursor/mcp.json, vscode .vscode/mcp.json (in the repository), codex ~/.codex/config.toml ($CODEX_HOME).\nThe entry is named codeweaver and replaced if present; a file cw cannot rewrite safely (JSON with comments) is left alone and the entry printed to add by hand (exit 2).',
    )
    .action((rootArg: string | undefined, opts: InstallOptions) => {
      const out = createOutput(opts);
      const root = rootArg === undefined ? locateRepositoryRoot(path.resolve('.')) : path.resolve(rootArg);
      refuseBroadRoot('mcp install', root);
      let plan;
      try {
        plan = planInstall(opts.client, root, serverCommand(root));
      } catch (err) {
        // The entry goes to stdout, to paste; the error stays one line.
        if (err instanceof InstallRefused) process.stdout.write(`${err.entry}\n`);
        throw err;
      }
      if (!opts.print) applyInstall(plan);
      out.result({ client: plan.client, file: plan.file, written: !opts.print && plan.changed, unchanged: !plan.changed, entry: plan.entry });
      if (opts.print) out.print(`# ${plan.file}\n${plan.entry}`);
      else out.info(plan.changed ? `${plan.file}: added the codeweaver server (cw mcp --watch ${root}); restart ${opts.client} to load it` : `${plan.file}: already serves this repository — nothing to change`);
      setExit(0);
    });
}

/**
 * How the client starts cw: `cw` when the `cw` on PATH is this one (an npm install -g or link),
 * else this Node and this cw's script by their absolute paths.
 */
function serverCommand(root: string): ServerCommand {
  const args = ['mcp', '--watch', root];
  const script = realpathSync(process.argv[1]!);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'cw');
    try {
      accessSync(candidate, constants.X_OK);
      if (realpathSync(candidate) === script) return { command: 'cw', args };
    } catch {
      // not here
    }
  }
  return { command: process.execPath, args: [script, ...args] };
}
