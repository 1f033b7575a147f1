import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertBuilt, cleanEnv, onlyJson, runCli } from './cli-harness.js';

beforeAll(assertBuilt);

let repo: string;
beforeEach(async () => {
  repo = await mkdtemp(path.join(os.tmpdir(), 'cw-e2e-'));
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('cw: commands, help and exit codes', () => {
  it('--help lists the commands and documents the exit codes; --version prints the version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['init', 'index', 'search', 'status', 'config']) expect(help.stdout).toContain(cmd);
    expect(help.stdout).toMatch(/130\s+interrupted/);
    // Where to start: examples and a next step, as git's and ripgrep's help give.
    expect(help.stdout).toMatch(/Examples:\n\s+cw init /);
    expect(help.stdout).toMatch(/Start with: cw index && cw search/);
    const indexHelp = await runCli(['index', '--help']);
    expect(indexHelp.code).toBe(0);
    for (const flag of ['--provider', '--model', '--base-url', '--store', '--qdrant-url', '--collection', '--concurrency', '--full', '--dry-run', '--config', '--json', '--quiet', '--verbose']) {
      expect(indexHelp.stdout).toContain(flag);
    }
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const subVersion = await runCli(['search', '--version']);
    expect(subVersion.stdout.trim()).toBe(version.stdout.trim());
  });

  it('an unknown option or command is a usage error: exit 2', async () => {
    const bad = await runCli(['index', '--no-such-flag']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown option '--no-such-flag'/);
    const unknownCmd = await runCli(['indx']);
    expect(unknownCmd.code).toBe(2);
    const badProvider = await runCli(['index', repo, '--provider', 'nope']);
    expect(badProvider.code).toBe(2);
    expect(badProvider.stderr).toMatch(/--provider.*nope|nope.*--provider/);
  });

  it('a path that is not a directory is a usage error', async () => {
    const res = await runCli(['index', path.join(repo, 'missing'), '--json']);
    expect(res.code).toBe(2);
    expect(onlyJson(res).error.message).toMatch(/not a directory/);
  });
});

describe('cw: configuration errors', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['unknown key', { embedding: { modle: 'x' } }, /codeweaver\.config\.json: unknown key "embedding\.modle" — allowed here: provider, model/],
    ['wrong type', { http_pool: { enable_http2: 'yes' } }, /codeweaver\.config\.json: http_pool\.enable_http2: expected boolean, got the string "yes"/],
    ['out of range', { embedding: { concurrency: 0 } }, /codeweaver\.config\.json: embedding\.concurrency: must be ≥ 1 \(got 0\)/],
    ['unknown provider', { embedding: { provider: 'voyag' } }, /codeweaver\.config\.json: embedding\.provider: must be one of local, voyage/],
    ['bad store kind', { store: { kind: 'pinecone' } }, /codeweaver\.config\.json: store\.kind: must be one of embedded, qdrant \(got "pinecone"\)/],
  ];
  for (const [name, config, message] of cases) {
    it(`${name}: one line naming file, key and what is allowed; exit 2; nothing written`, async () => {
      await writeFile(path.join(repo, 'codeweaver.config.json'), JSON.stringify(config));
      await writeFile(path.join(repo, 'a.ts'), 'export const a = 1;\n');
      const res = await runCli(['index', repo], { env: cleanEnv() });
      expect(res.code).toBe(2);
      const lines = res.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(res.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
      const { existsSync } = await import('node:fs');
      expect(existsSync(path.join(repo, '.codeweaver'))).toBe(false);
    });
  }

  it('--json on a config error prints one JSON error document on stdout', async () => {
    await writeFile(path.join(repo, 'codeweaver.config.json'), JSON.stringify({ nope: 1 }));
    const res = await runCli(['status', repo, '--json']);
    expect(res.code).toBe(2);
    expect(onlyJson(res)).toEqual({ type: 'error', error: { message: expect.stringMatching(/unknown key "nope"/), kind: 'config', exit_code: 2 } });
  });
});

describe('cw config', () => {
  it('prints the resolved configuration with sources, and never a key value', async () => {
    await writeFile(
      path.join(repo, 'codeweaver.config.json'),
      JSON.stringify({ embedding: { provider: 'voyage', api_key_env: 'MY_VOYAGE_KEY' } }),
    );
    const secret = 'pa-very-secret-value-123';
    const res = await runCli(['config', repo, '--json', '--concurrency', '3'], { env: cleanEnv({ MY_VOYAGE_KEY: secret }) });
    expect(res.code).toBe(0);
    const doc = onlyJson(res);
    expect(doc.file).toBe(path.join(repo, 'codeweaver.config.json'));
    expect(doc.config.embedding).toMatchObject({ provider: 'voyage', concurrency: 3 });
    expect(doc.sources['embedding.provider']).toMatch(/codeweaver\.config\.json$/);
    expect(doc.sources['embedding.concurrency']).toBe('flag --concurrency');
    expect(doc.secrets).toEqual({ MY_VOYAGE_KEY: 'set (redacted)' });
    // A provider's connections follow its concurrency (here the flag's 3), with a 30 s keep-alive.
    expect(doc.http_clients.voyage).toMatchObject({ max_connections: 3, keepalive_expiry: 30, read_timeout: 90, enable_http2: true });
    expect(res.stdout + res.stderr).not.toContain(secret);
    const human = await runCli(['config', repo], { env: cleanEnv({ MY_VOYAGE_KEY: secret }) });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('"provider": "voyage"');
    expect(human.stdout + human.stderr).not.toContain(secret);
  });
});

describe('output modes', () => {
  it('--quiet prints nothing on success; without a TTY, diagnostics are plain timestamped lines', async () => {
    await writeFile(path.join(repo, 'a.ts'), 'export function alpha() { return 1; }\n');
    const plain = await runCli(['index', repo]); // creates the index: a notice on stderr
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^Indexed 1 file \(0 unchanged/m);
    await writeFile(path.join(repo, 'b.ts'), 'export function beta() { return 2; }\n');
    const quiet = await runCli(['index', repo, '--quiet']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).toBe('');
    const lines = plain.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /);
    expect(plain.stdout + plain.stderr).not.toMatch(/\x1b\[/); // no escape codes off a TTY
  });
});

describe('cw status', () => {
  it('says there is no index yet, as JSON too', async () => {
    const res = await runCli(['status', repo, '--json']);
    expect(res.code).toBe(0);
    expect(onlyJson(res)).toMatchObject({ indexed: false, store: 'embedded', files: 0 });
  });
});
