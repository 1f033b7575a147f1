/**
 * Paths from a front end are made canonical and confined to the root before anything is opened
 * (issue 31): MCP refresh_index with `..`, `./lib` or `lib/../..` once stored every file again
 * under non-canonical paths and opened files outside the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotEmbeddedIndex } from '../support/index-snapshot.js';
import { assertBuilt, cleanEnv, CLI, runCli } from '../e2e/cli-harness.js';
import { CORPORA, makeRepo, workDir } from './harness.js';

let work: Awaited<ReturnType<typeof workDir>>;
beforeAll(async () => {
  assertBuilt();
  work = await workDir('paths');
});
afterAll(() => work.cleanup());

const hasStrace = (() => {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('refresh_index paths', () => {
  it('are canonical (no second copy of any file) and never leave the root (nothing outside is opened)', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small);
    // A sibling of the repository that a climbing path would reach.
    const outside = path.join(work.dir, 'outside');
    await mkdir(outside, { recursive: true });
    await writeFile(path.join(outside, 'secret.js'), 'function outsideSecretFunction() { return 42 }\n');
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);
    const db = path.join(repo, '.codeweaver', 'index.sqlite');
    const before = snapshotEmbeddedIndex(db);

    // Under strace where it is installed: every file the server opens is listed.
    const trace = path.join(work.dir, 'mcp.trace');
    const [command, args] = hasStrace
      ? ['strace', ['-f', '-qq', '-e', 'trace=open,openat', '-o', trace, process.execPath, CLI, 'mcp', repo]]
      : [process.execPath, [CLI, 'mcp', repo]];
    const client = new Client({ name: 'cw-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command, args, env: cleanEnv() as Record<string, string>, stderr: 'pipe' }));
    try {
      for (const paths of [['..'], ['lib/../..'], ['../outside'], ['lib', '../outside/secret.js']]) {
        const refused = await client.callTool({ name: 'refresh_index', arguments: { paths } });
        expect(refused.isError, JSON.stringify(paths)).toBe(true);
        expect((refused.content as any)[0].text).toMatch(/is outside the repository .* give a path inside it/);
      }
      for (const paths of [['./lib'], ['lib/'], ['lib/handler/..'], ['.'], ['./lib/handler', 'lib/handler/']]) {
        const ok = await client.callTool({ name: 'refresh_index', arguments: { paths } });
        expect(ok.isError, JSON.stringify(ok.content)).toBeFalsy();
        expect((ok.structuredContent as any).files).toMatchObject({ indexed: 0, deleted: 0, failed: 0 });
      }
      const found = (await client.callTool({ name: 'search_code', arguments: { query: 'retry handler', limit: 10 } })).structuredContent as any;
      const keys = found.results.map((r: any) => `${r.path}:${r.start_line}`);
      expect(new Set(keys).size).toBe(keys.length);
    } finally {
      await client.close();
    }
    const after = snapshotEmbeddedIndex(db);
    expect(after.files).toEqual(before.files);
    expect(after.chunks).toEqual(before.chunks);
    for (const file of Object.keys(after.files)) expect(file).not.toMatch(/^\.|\/\.\.?\//);
    if (hasStrace && existsSync(trace)) {
      const opened = readFileSync(trace, 'utf8');
      expect(opened).toMatch(/openat\(/); // the trace did record the server's opens
      expect(opened).not.toContain('outside');
      expect(opened).not.toContain(`${repo}/..`);
      expect(opened).not.toContain(`${repo}/./`);
    }
  }, 120_000);
});
