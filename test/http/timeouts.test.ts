import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  ConnectTimeoutError,
  HttpConnectionError,
  PoolTimeoutError,
  ReadTimeoutError,
  WriteTimeoutError,
  classifyHttpError,
} from '../../src/http/errors.js';
import { HttpClientPool } from '../../src/http/pool.js';
import { retryVerdict } from '../../src/http/retry.js';
import type { HttpPoolOverrides } from '../../src/config/schema.js';
import { Holding, httpServer, silentTcpServer, timed, useTeardown } from './loopback.js';

const server = useTeardown();
function client(name: string, settings: HttpPoolOverrides) {
  return server(new HttpClientPool(settings)).getClient(name);
}

/**
 * The timer must not fire early. Which timer fired is the error's type and message (each test
 * sets the others far longer), never the elapsed time: a loaded machine only makes it later.
 */
function expectElapsed(seconds: number, configured: number) {
  expect(seconds).toBeGreaterThanOrEqual(configured * 0.8);
}

describe('typed timeouts', () => {
  it('connect_timeout: a TLS handshake that never completes', async () => {
    const silent = server(await silentTcpServer());
    const https = silent.url.replace('http:', 'https:');
    const c = client('voyage', { connect_timeout: 0.3, read_timeout: 10, pool_timeout: 10 });
    const { seconds, error } = await timed(() => c.fetch(https));
    expect(error).toBeInstanceOf(ConnectTimeoutError);
    expect((error as Error).message).toBe('voyage: could not connect within 0.3 s (http_pool.connect_timeout)');
    expect(classifyHttpError(error)).toBe('timeout');
    expectElapsed(seconds, 0.3);
    expect(c.stats()).toMatchObject({ requests: 1, responses: 0, failures: 1, in_flight: 0, queued: 0 });
  });

  it('read_timeout: a server that never sends headers', async () => {
    const holding = new Holding();
    const s = server(await httpServer(holding.handler));
    const c = client('cohere', { read_timeout: 0.3, connect_timeout: 10, pool_timeout: 10 });
    const { seconds, error } = await timed(() => c.fetch(s.url));
    expect(error).toBeInstanceOf(ReadTimeoutError);
    expect((error as ReadTimeoutError).phase).toBe('headers');
    expect((error as Error).message).toBe('cohere: no response headers within 0.3 s (http_pool.read_timeout)');
    expectElapsed(seconds, 0.3);
    expect(holding.received).toBe(1);
  });

  it('read_timeout: a response body that stalls', async () => {
    const s = server(await httpServer((_req, res) => res.writeHead(200, { 'content-length': '100' }).write('partial')));
    const c = client('voyage', { read_timeout: 0.3 });
    const res = await c.fetch(s.url);
    expect(res.status).toBe(200);
    const { seconds, error } = await timed(() => res.text());
    // Errors while reading a body surface as fetch's TypeError("terminated") with our error as cause.
    expect((error as Error).cause).toBeInstanceOf(ReadTimeoutError);
    expect(((error as Error).cause as ReadTimeoutError).phase).toBe('body');
    expect(classifyHttpError(error)).toBe('timeout');
    expectElapsed(seconds, 0.3);
    expect(c.stats()).toMatchObject({ responses: 1, failures: 1, in_flight: 0 });
  });

  it('write_timeout: a server that stops reading the request body', async () => {
    const silent = server(await silentTcpServer());
    const c = client('openai', { write_timeout: 0.3, read_timeout: 30 });
    const chunk = new Uint8Array(64 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Bounded: 256 MiB is far beyond any loopback socket buffer.
        if ((sent += chunk.length) > 256 * 1024 * 1024) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const { seconds, error } = await timed(() =>
      c.fetch(silent.url, { method: 'POST', body, duplex: 'half' }),
    );
    expect(error).toBeInstanceOf(WriteTimeoutError);
    expect((error as Error).message).toBe('openai: request body not sent within 0.3 s (http_pool.write_timeout)');
    expectElapsed(seconds, 0.3);
  });

  it('write_timeout does not cover waiting for the response once the body is sent', async () => {
    const holding = new Holding();
    const s = server(await httpServer(holding.handler));
    const c = client('voyage', { write_timeout: 0.2, read_timeout: 10 });
    const response = c.fetch(s.url, { method: 'POST', body: 'x'.repeat(1000) });
    const { req, res } = await holding.next();
    await new Promise<void>((resolve) => req.resume().on('end', resolve));
    // The server deliberately answers late: twice write_timeout after reading the body.
    await delay(400);
    res.end('done');
    expect(await (await response).text()).toBe('done');
    expect(c.stats()).toMatchObject({ responses: 1, failures: 0 });
  });

  it('pool_timeout: all connections busy, the next request gives up and never takes the slot', async () => {
    const holding = new Holding();
    const s = server(await httpServer(holding.handler));
    const c = client('voyage', { max_connections: 1, pool_timeout: 0.3, read_timeout: 10 });

    const first = c.fetch(`${s.url}/first`);
    const held = await holding.next();
    const { seconds, error } = await timed(() => c.fetch(`${s.url}/second`));
    expect(error).toBeInstanceOf(PoolTimeoutError);
    expect((error as Error).message).toContain('voyage: no free connection');
    expect((error as Error).message).toContain('within 0.3 s (http_pool.pool_timeout)');
    expectElapsed(seconds, 0.3);
    expect(c.stats()).toMatchObject({ pool_timeouts: 1, in_flight: 1, queued: 0 });

    held.res.end('one');
    expect(await (await first).text()).toBe('one');
    const third = c.fetch(`${s.url}/third`);
    const next = await holding.next();
    expect(next.req.url).toBe('/third');
    next.res.end('three');
    expect(await (await third).text()).toBe('three');
    expect(holding.received).toBe(2);
    expect(c.stats()).toMatchObject({ requests: 3, responses: 2, failures: 1, pool_timeouts: 1 });
  });

  it('pool_timeout does not include the time to connect', async () => {
    const silent = server(await silentTcpServer());
    const https = silent.url.replace('http:', 'https:');
    const c = client('voyage', { pool_timeout: 0.1, connect_timeout: 0.4 });
    const { error, seconds } = await timed(() => c.fetch(https));
    expect(error).toBeInstanceOf(ConnectTimeoutError);
    expectElapsed(seconds, 0.4);
  });
});

describe('connection failures', () => {
  it('a refused connection is an HttpConnectionError naming the client', async () => {
    const s = await httpServer((_req, res) => res.end());
    await s.close(); // the port is now closed: connecting is refused
    const c = client('qdrant', {});
    const { error } = await timed(() => c.fetch(s.url));
    expect(error).toBeInstanceOf(HttpConnectionError);
    expect((error as HttpConnectionError).code).toBe('ECONNREFUSED');
    expect((error as Error).message).toMatch(/^qdrant: connection failed: .*ECONNREFUSED/);
    expect(classifyHttpError(error)).toBe('connection');
  });

  it("the caller's abort stays an AbortError", async () => {
    const holding = new Holding();
    const s = server(await httpServer(holding.handler));
    const c = client('voyage', {});
    const controller = new AbortController();
    const response = c.fetch(s.url, { signal: controller.signal });
    await holding.next();
    controller.abort();
    const { error } = await timed(() => response);
    expect((error as Error).name).toBe('AbortError');
    expect(classifyHttpError(error)).toBe('aborted');
  });
});

describe('a fetch refused before connecting', () => {
  it('a blocked port ("bad port", no socket code) is a connection failure: retried, and counted toward an outage', async () => {
    const fetch = client('voyage', {}).fetch;
    const error = await fetch('http://127.0.0.1:9/v1/embeddings', { method: 'POST', body: '{}' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(classifyHttpError(error)).toBe('connection');
    expect(error).toBeInstanceOf(HttpConnectionError);
    expect(retryVerdict(error)).toBe('retry');
  });
});
