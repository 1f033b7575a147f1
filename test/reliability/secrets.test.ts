/**
 * Secrets never appear in anything cw prints: not in warnings, errors, --json documents or
 * `cw config`, whether they come from the environment, from a URL's userinfo, or from a server
 * that echoes them back.
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIServer, type ProviderServer } from '../embedding/servers/index.js';
import { assertBuilt, cleanEnv, runCli } from '../e2e/cli-harness.js';
import { closedPort } from '../support/ports.js';
import { CORPORA, makeRepo, workDir } from './harness.js';

const KEY = 'sk-env-key-4d1c9e7b2a';
const URL_PASSWORD = 'url-pass-93kd02mz';
const QDRANT_PASSWORD = 'qdrant-pass-77ab1c';

let work: Awaited<ReturnType<typeof workDir>>;
let server: ProviderServer | undefined;
beforeAll(async () => {
  assertBuilt();
  work = await workDir('secrets');
});
afterAll(() => work.cleanup());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function expectNoSecret(text: string): void {
  for (const secret of [KEY, URL_PASSWORD, QDRANT_PASSWORD, encodeURIComponent(URL_PASSWORD)]) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/\/\/[^/\s]*:[^/\s]*@/); // no user:pass@ left in any URL
}

describe('credentials in URLs and keys from the environment', () => {
  it('are masked in every warning, error and --json failure of an index run, and in cw config', async () => {
    server = await startOpenAIServer();
    // A server that echoes what it was sent back in its error: the key must not come through.
    server.respond = (req) => ({ status: 400, json: { error: { message: `bad request from ${req.headers.authorization}` } } });
    const baseUrl = server.baseUrl.replace('://', `://ci-user:${URL_PASSWORD}@`);
    const repo = await makeRepo(work.dir, CORPORA.small, {
      embedding: { provider: 'openai-compatible', model: 'm', dimensions: 8, api_key_env: 'MY_EMBED_KEY', batch_size: 16 },
    });
    const env = cleanEnv({ MY_EMBED_KEY: KEY });
    for (const args of [['--json'], [], ['--verbose']]) {
      // The server's error text carries the key: every per-file warning and --json failure masks it.
      const echoed = await runCli(['index', repo, '--base-url', server.baseUrl, ...args], { env });
      expect(echoed.code).toBe(1);
      expect(echoed.stdout + echoed.stderr).toMatch(/bad request from Bearer \*\*\*/);
      expectNoSecret(echoed.stdout + echoed.stderr);
      // Credentials in the URL: refused before any request, without echoing them.
      const res = await runCli(['index', repo, '--base-url', baseUrl, ...args], { env });
      expect(res.code).toBe(2);
      expect(res.stdout + res.stderr).toMatch(/carries credentials/);
      expectNoSecret(res.stdout + res.stderr);
    }
    const qdrantUrl = `http://admin:${QDRANT_PASSWORD}@127.0.0.1:${await closedPort()}`;
    for (const args of [['--json'], []]) {
      const shown = await runCli(['config', repo, '--base-url', baseUrl, '--qdrant-url', qdrantUrl, '--store', 'qdrant', ...args], { env });
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain('127.0.0.1');
      expectNoSecret(shown.stdout + shown.stderr);
    }
    const unreachable = await runCli(['index', repo, '--store', 'qdrant', '--qdrant-url', qdrantUrl, '--json'], { env });
    expect(unreachable.code).not.toBe(0);
    expectNoSecret(unreachable.stdout + unreachable.stderr);
  }, 60_000);

  it('a key pasted into api_key_env is refused without being echoed', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small, { embedding: { provider: 'voyage', api_key_env: KEY } });
    for (const args of [['--json'], []]) {
      const res = await runCli(['index', repo, ...args], { env: cleanEnv() });
      expect(res.code).toBe(2);
      expect(res.stdout + res.stderr).toMatch(/api_key_env: must be the name of an environment variable/);
      expect(res.stdout + res.stderr).not.toContain(KEY);
      expect(res.stdout + res.stderr).not.toContain(KEY.slice(0, 12));
    }
  });
});

describe('secrets inside the repository', () => {
  // Built from parts: this test file itself holds no literal a scanner flags.
  const j = (...parts: string[]) => parts.join('');
  const AWS = j('AKIA', 'IOSFODNN7', 'EXAMPLQ');
  const ASSIGNED = j('Zx9', 'Qw8Er7Ty6Ui5Op4As3Df');
  const IN_ENV = j('sk_', 'live_', '51HfZ0aB8cD9eF0gH1iJ2kL3m');
  const KEY_LINE = j('MIIEowIBAAKCAQEA', '7bqZx9Qw8Er7Ty6Ui5Op4As3Df');

  it('secret files are never read, secrets in code are redacted before embedding and storage, and the summary counts both', async () => {
    server = await startOpenAIServer({ dims: 8 });
    const repo = await makeRepo(work.dir, CORPORA.small, {
      embedding: { provider: 'openai-compatible', model: 'm', dimensions: 8, api_key_env: 'MY_EMBED_KEY', batch_size: 16 },
    });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(repo, '.env'), `STRIPE_KEY=${IN_ENV}\n`);
    await writeFile(path.join(repo, '.env.example'), 'STRIPE_KEY=put-your-key-here\n');
    await writeFile(path.join(repo, 'server.pem'), `${j('-----BEGIN ', 'PRIVATE KEY-----')}\n${KEY_LINE}\n${j('-----END ', 'PRIVATE KEY-----')}\n`);
    await writeFile(
      path.join(repo, 'lib', 'settings.js'),
      `// deploy settings\nconst awsKeyId = '${AWS}';\nconst apiKey = "${ASSIGNED}";\nfunction connectStorageBucket () { return awsKeyId + apiKey }\n`,
    );
    const env = cleanEnv({ MY_EMBED_KEY: KEY });
    const res = await runCli(['index', repo, '--base-url', server.baseUrl, '--json', '--verbose'], { env });
    expect(res.code, res.stderr).toBe(0);
    const summary = JSON.parse(res.stdout);
    expect(summary.secrets_redacted).toBe(2);
    expect(summary.files.skipped.secret_file).toBe(2); // .env and server.pem; .env.example is indexed
    // --verbose says where, never what.
    expect(res.stderr).toMatch(/lib\/settings\.js:2: secret redacted \(aws-access-key\)/);
    expect(res.stderr).toMatch(/lib\/settings\.js:3: secret redacted \(secret-assignment\)/);

    // Never sent to the provider, never stored, never found.
    const sent = JSON.stringify(server.requests.map((r) => r.body));
    expect(sent).toContain('connectStorageBucket'); // the file itself was embedded
    expect(sent).toContain('put-your-key-here');
    for (const secret of [AWS, ASSIGNED, IN_ENV, KEY_LINE]) expect(sent).not.toContain(secret);
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(repo, '.codeweaver', 'index.sqlite'), { readonly: true });
    try {
      const content = (db.prepare('SELECT group_concat(content, char(10)) FROM chunks').pluck().get() as string) ?? '';
      expect(content).toContain("const awsKeyId = '<redacted:aws-access-key>';");
      for (const secret of [AWS, ASSIGNED, IN_ENV, KEY_LINE]) expect(content).not.toContain(secret);
      const paths = db.prepare('SELECT path FROM files').pluck().all();
      expect(paths).toContain('.env.example');
      expect(paths).not.toContain('.env');
      expect(paths).not.toContain('server.pem');
    } finally {
      db.close();
    }
    for (const secret of [AWS, ASSIGNED]) {
      const found = await runCli(['search', secret, '-p', repo, '--json'], { env });
      expect(found.stdout).not.toContain(secret.slice(4));
    }

    // Turned off, both come back (the content signature changes, so the files are read again).
    const { readFile } = await import('node:fs/promises');
    const config = JSON.parse(await readFile(path.join(repo, 'codeweaver.config.json'), 'utf8'));
    await writeFile(path.join(repo, 'codeweaver.config.json'), JSON.stringify({ ...config, indexing: { skip_secret_files: false, redact_secrets: false } }));
    const off = JSON.parse((await runCli(['index', repo, '--base-url', server.baseUrl, '--json'], { env })).stdout);
    expect(off.secrets_redacted).toBe(0);
    expect(off.files.skipped.secret_file ?? 0).toBe(0);
    expect(off.files.indexed).toBeGreaterThan(2);
  }, 60_000);
});
