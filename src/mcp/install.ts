/**
 * `cw mcp install`: the entry that makes an MCP client start `cw mcp --watch` for a repository,
 * written into that client's own configuration file. Each client has its file and shape; the
 * entry is named `codeweaver`, replaced if present, and nothing else in the file is touched
 * (other servers, other settings, the file's indentation of other keys aside). Writing twice
 * gives the same file. A file cw cannot read safely (JSON with comments, say) is left alone and
 * the entry is printed to paste by hand.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';

export const MCP_CLIENTS = ['claude-code', 'cursor', 'vscode', 'codex'] as const;

/** A file cw will not rewrite: the message is one line; `entry` is what to add by hand. */
export class InstallRefused extends UsageError {
  constructor(
    message: string,
    readonly entry: string,
  ) {
    super(message);
  }
}
export type McpClient = (typeof MCP_CLIENTS)[number];

/** The server's name in every client's configuration. */
export const SERVER_NAME = 'codeweaver';

/** How the client starts the server: a command and its arguments. */
export interface ServerCommand {
  command: string;
  args: string[];
}

export interface InstallPlan {
  client: McpClient;
  /** The file the entry goes in. */
  file: string;
  /** The whole file as it will be written. */
  content: string;
  /** The entry alone, as a user would paste it. */
  entry: string;
  /** Whether the file changes (false: the same entry is already there). */
  changed: boolean;
}

/**
 * Where each client reads its servers: Claude Code's project file (.mcp.json), Cursor's and VS
 * Code's project folders, and Codex's user file (it has no per-project one, so the entry names the
 * repository by its absolute path, as every entry does).
 */
export function configFileOf(client: McpClient, root: string, home = os.homedir()): string {
  switch (client) {
    case 'claude-code':
      return path.join(root, '.mcp.json');
    case 'cursor':
      return path.join(root, '.cursor', 'mcp.json');
    case 'vscode':
      return path.join(root, '.vscode', 'mcp.json');
    case 'codex':
      return path.join(process.env.CODEX_HOME ?? path.join(home, '.codex'), 'config.toml');
  }
}

/** What writing the entry would do, without writing it. */
export function planInstall(client: McpClient, root: string, server: ServerCommand, home?: string): InstallPlan {
  const file = configFileOf(client, root, home);
  const before = existsSync(file) ? readFileSync(file, 'utf8') : null;
  const { content, entry } = client === 'codex' ? tomlWith(before, server, file) : jsonWith(client, before, server, file);
  return { client, file, content, entry, changed: content !== before };
}

/** Writes the plan's file (atomically: a temporary file renamed over it). */
export function applyInstall(plan: InstallPlan): void {
  if (!plan.changed) return;
  mkdirSync(path.dirname(plan.file), { recursive: true });
  const temp = `${plan.file}.cw-${process.pid}.tmp`;
  writeFileSync(temp, plan.content);
  renameSync(temp, plan.file);
}

function jsonWith(client: McpClient, before: string | null, server: ServerCommand, file: string): { content: string; entry: string } {
  // VS Code names the map `servers` and wants the transport; the others, `mcpServers`.
  const key = client === 'vscode' ? 'servers' : 'mcpServers';
  const value = client === 'vscode' ? { type: 'stdio', ...server } : server;
  const entry = JSON.stringify({ [key]: { [SERVER_NAME]: value } }, null, 2);
  let doc: Record<string, unknown> = {};
  if (before !== null && before.trim() !== '') {
    try {
      doc = JSON.parse(before) as Record<string, unknown>;
    } catch {
      throw new InstallRefused(`${file} is not plain JSON (comments or a syntax error) — cw leaves it as it is; add the entry printed above by hand`, entry);
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new InstallRefused(`${file} does not hold a JSON object — add the entry printed above by hand`, entry);
  }
  const servers = doc[key];
  if (servers !== undefined && (typeof servers !== 'object' || servers === null || Array.isArray(servers))) {
    throw new InstallRefused(`${file}: "${key}" is not an object — add the entry printed above by hand`, entry);
  }
  const next = { ...doc, [key]: { ...(servers as Record<string, unknown> | undefined), [SERVER_NAME]: value } };
  return { content: `${JSON.stringify(next, null, 2)}\n`, entry };
}

/** Codex's TOML: the `[mcp_servers.codeweaver]` table replaced (or appended), every other line kept. */
function tomlWith(before: string | null, server: ServerCommand, file: string): { content: string; entry: string } {
  const header = `[mcp_servers.${SERVER_NAME}]`;
  const entry = `${header}\ncommand = ${tomlString(server.command)}\nargs = [${server.args.map(tomlString).join(', ')}]\n`;
  const lines = (before ?? '').split('\n');
  const start = lines.findIndex((l) => l.trim() === header);
  if (start < 0) {
    const text = (before ?? '').replace(/\n*$/, '');
    return { content: text ? `${text}\n\n${entry}` : entry, entry };
  }
  // The table ends at the next table header (a line starting with '['), or the file's end.
  let end = start + 1;
  while (end < lines.length && !/^\s*\[/.test(lines[end]!)) end++;
  if (lines.slice(start + 1, end).some((l) => /"""|'''/.test(l))) {
    throw new InstallRefused(`${file}: the ${header} table has multi-line strings cw does not rewrite — replace it by hand with the entry printed above`, entry);
  }
  const rest = lines.slice(end).join('\n');
  const head = lines.slice(0, start).join('\n');
  return { content: `${head ? `${head}\n` : ''}${entry}${rest ? `\n${rest}` : ''}`, entry };
}

/** A TOML basic string. */
function tomlString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}
