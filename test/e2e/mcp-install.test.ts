/**
 * `cw mcp install`: each client's file gains the codeweaver entry, others' entries and settings
 * stay, a second run changes nothing, a file cw cannot rewrite safely is left alone, and the
 * entry written starts a server that answers.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPORA, makeRepo, workDir } from '../reliability/harness.js';
import { assertBuilt, cleanEnv, runCli } from './cli-harness.js';

let work: Awaited<ReturnType<typeof workDir>>;
beforeAll(async () => {
  assertBuilt();
  work = await workDir('mcp-install');
});
afterAll(() => work.cleanup());

async function repoWithGit(): Promise<string> {
  const repo = await makeRepo(work.dir, CORPORA.small);
  await mkdir(path.join(repo, '.git'));
  return repo;
}

describe('cw mcp install', () => {
  it('claude-code: adds the entry beside other servers, idempotently, and the entry starts a working server', async () => {
    const repo = await repoWithGit();
    const file = path.join(repo, '.mcp.json');
    await writeFile(file, JSON.stringify({ mcpServers: { other: { command: 'other-server', args: ['--x'] } }, extra: true }, null, 4));
    const first = await runCli(['mcp', 'install', '--client', 'claude-code', repo, '--json'], { env: cleanEnv() });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ client: 'claude-code', file, written: true, unchanged: false });
    const doc = JSON.parse(await readFile(file, 'utf8'));
    expect(doc.extra).toBe(true);
    expect(doc.mcpServers.other).toEqual({ command: 'other-server', args: ['--x'] });
    expect(doc.mcpServers.codeweaver.args.slice(-3)).toEqual(['mcp', '--watch', repo]);
    const written = await readFile(file, 'utf8');
    const second = await runCli(['mcp', 'install', '--client', 'claude-code', repo, '--json'], { env: cleanEnv() });
    expect(JSON.parse(second.stdout)).toMatchObject({ written: false, unchanged: true });
    expect(await readFile(file, 'utf8')).toBe(written);

    // What the client would start answers as a server of this repository.
    const { command, args } = doc.mcpServers.codeweaver;
    const client = new Client({ name: 'install-test', version: '1' });
    await client.connect(new StdioClientTransport({ command, args, env: cleanEnv() as Record<string, string>, stderr: 'ignore' }));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('search_code');
      const status = (await client.callTool({ name: 'index_status', arguments: {} })).structuredContent as any;
      expect(status.root).toBe(repo);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('cursor, vscode and codex: each its own file and shape; codex keeps its other tables and settings', async () => {
    const repo = await repoWithGit();
    const codexHome = path.join(work.dir, 'codex-home');
    await mkdir(codexHome);
    const toml = path.join(codexHome, 'config.toml');
    await writeFile(toml, 'model = "o3"\n\n[mcp_servers.other]\ncommand = "other"\nargs = []\n');
    const env = cleanEnv({ CODEX_HOME: codexHome });
    for (const client of ['cursor', 'vscode', 'codex']) {
      const res = await runCli(['mcp', 'install', '--client', client, repo], { env });
      expect(res.code, res.stderr).toBe(0);
    }
    const cursor = JSON.parse(await readFile(path.join(repo, '.cursor', 'mcp.json'), 'utf8'));
    expect(cursor.mcpServers.codeweaver.args.slice(-3)).toEqual(['mcp', '--watch', repo]);
    const vscode = JSON.parse(await readFile(path.join(repo, '.vscode', 'mcp.json'), 'utf8'));
    expect(vscode.servers.codeweaver.type).toBe('stdio');
    const text = await readFile(toml, 'utf8');
    expect(text.startsWith('model = "o3"\n\n[mcp_servers.other]\ncommand = "other"\nargs = []\n')).toBe(true);
    expect(text).toContain('[mcp_servers.codeweaver]\ncommand = ');
    expect(text).toContain(`"mcp", "--watch", "${repo}"]`);
    // Again: the same file; and the table replaced in place when it is not last.
    await writeFile(toml, `${text}\n[profiles.fast]\nmodel = "o4-mini"\n`);
    const withAfter = await readFile(toml, 'utf8');
    expect((await runCli(['mcp', 'install', '--client', 'codex', repo], { env })).code).toBe(0);
    expect(await readFile(toml, 'utf8')).toBe(withAfter);
  }, 60_000);

  it('leaves a file it cannot rewrite safely alone and prints the entry (exit 2); --print writes nothing', async () => {
    const repo = await repoWithGit();
    const file = path.join(repo, '.vscode', 'mcp.json');
    await mkdir(path.dirname(file));
    const commented = '{\n  // mine\n  "servers": {}\n}\n';
    await writeFile(file, commented);
    const res = await runCli(['mcp', 'install', '--client', 'vscode', repo], { env: cleanEnv() });
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/is not plain JSON .* add the entry printed above by hand/);
    expect(JSON.parse(res.stdout).servers.codeweaver.type).toBe('stdio');
    expect(await readFile(file, 'utf8')).toBe(commented);

    const printed = await runCli(['mcp', 'install', '--client', 'cursor', repo, '--print'], { env: cleanEnv() });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('"mcpServers"');
    expect(existsSync(path.join(repo, '.cursor'))).toBe(false);

    const unknown = await runCli(['mcp', 'install', '--client', 'zed', repo], { env: cleanEnv() });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/claude-code, cursor, vscode, codex/);
  });
});
