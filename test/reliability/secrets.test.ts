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
