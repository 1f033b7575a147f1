/**
 * `cw mcp --http`: client sessions are bounded (issue 31: abandoned sessions were kept until
 * DELETE, +49-79 MiB per 1,500). An idle one expires, one with a request or stream open does
 * not, past the cap a new client gets one line saying why, and DELETE frees a place.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPORA, makeRepo, waitFor, workDir } from '../reliability/harness.js';
import { assertBuilt, cleanEnv, runCli, spawnCli } from './cli-harness.js';

let work: Awaited<ReturnType<typeof workDir>>;
beforeAll(async () => {
  assertBuilt();
  work = await workDir('mcp-http-sessions');
});
afterAll(() => work.cleanup());

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };

/** A client session's id, or the refusal's status and text. */
async function initialize(url: URL): Promise<{ status: number; id: string | null; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: HEADERS, body: JSON.stringify(INITIALIZE) });
  const text = await res.text();
  const id = res.headers.get('mcp-session-id');
  if (id) {
    const ack = await fetch(url, { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    await ack.text();
  }
  return { status: res.status, id, text };
}

/** The status of a tools/list in session `id` (200 while it lives, 404 once closed). */
async function listTools(url: URL, id: string): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
  await res.text();
  return res.status;
}

describe('cw mcp --http sessions', () => {
  /** A server on `repo` with these session flags; its URL and stderr. */
  async function server(repo: string, flags: string[]) {
    const cli = spawnCli(['mcp', repo, '--http', '0', ...flags, '--verbose'], { env: cleanEnv() });
    await waitFor(() => /listening on http:\/\/\S+/.test(cli.stderr()) || cli.child.exitCode !== null, 20_000, 'listening');
    return { cli, url: new URL(/listening on (http:\/\/\S+)/.exec(cli.stderr())![1]!) };
  }

  it('are capped with a clear refusal, and DELETE frees a place at once', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small);
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);
    // An hour's idle timeout: no session can expire while this test runs, however slow the machine.
    const { cli, url } = await server(repo, ['--http-idle-timeout', '3600', '--http-max-sessions', '3']);
    try {
      const opened = [await initialize(url), await initialize(url), await initialize(url)];
      expect(opened.map((r) => r.status)).toEqual([200, 200, 200]);
      // The cap: a fourth client is refused, saying why and what to do.
      const refused = await initialize(url);
      expect(refused.status).toBe(503);
      expect(refused.text).toMatch(/too many MCP sessions open \(3\).*--http-max-sessions/);
      // DELETE frees a place at once.
      const deleted = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': opened[0]!.id!, 'mcp-protocol-version': '2025-06-18' } });
      expect(deleted.status).toBe(200);
      expect(await listTools(url, opened[0]!.id!)).toBe(404);
      expect((await initialize(url)).status).toBe(200);
      expect((await initialize(url)).status).toBe(503);
    } finally {
      cli.child.kill('SIGTERM');
      await cli.done;
    }
  }, 120_000);

  it('expire when idle, never while a stream is open, and their places are free again', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small);
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);
    const { cli, url } = await server(repo, ['--http-idle-timeout', '1', '--http-max-sessions', '3']);
    try {
      // A session with a GET stream open is never idle, however long it waits.
      const streaming = await initialize(url);
      expect(streaming.status, streaming.text).toBe(200);
      const stream = new AbortController();
      const get = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': streaming.id!, 'mcp-protocol-version': '2025-06-18' }, signal: stream.signal });
      expect(get.status).toBe(200);
      const b = await initialize(url);
      const c = await initialize(url);
      expect([b.status, c.status]).toEqual([200, 200]);

      // Idle sessions expire: b and c answer 404, then the client is told to initialize again.
      // (Watched on the server's --verbose lines: a request would itself keep them alive.)
      const expired = (id: string) => cli.stderr().includes(`session ${id} closed after 1 s idle`);
      await waitFor(() => expired(b.id!) && expired(c.id!), 30_000, 'idle sessions expire');
      expect([await listTools(url, b.id!), await listTools(url, c.id!)]).toEqual([404, 404]);
      expect(expired(streaming.id!)).toBe(false);
      expect(await listTools(url, streaming.id!)).toBe(200);
      // Their places are free again (the cap is 3, and the streaming session still holds one).
      const again = [await initialize(url), await initialize(url)];
      expect(again.map((r) => r.status)).toEqual([200, 200]);

      // Once its stream closes, the streaming session idles out too.
      stream.abort();
      await waitFor(() => expired(streaming.id!), 30_000, 'the streaming session expires once its stream is closed');
      expect(await listTools(url, streaming.id!)).toBe(404);
    } finally {
      cli.child.kill('SIGTERM');
      await cli.done;
    }
  }, 120_000);

  it('refuses a bad --http-idle-timeout or --http-max-sessions with one line, exit 2', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small);
    for (const [flag, value, says] of [
      ['--http-idle-timeout', 'soon', /--http-idle-timeout: expected a number of seconds above 0, got "soon"/],
      ['--http-max-sessions', '0', /--http-max-sessions: expected a whole number above 0, got "0"/],
    ] as const) {
      const res = await runCli(['mcp', repo, '--http', '0', flag, value], { env: cleanEnv() });
      expect(res.code).toBe(2);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(says);
    }
  });
});
