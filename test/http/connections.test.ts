import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { HttpClientPool } from '../../src/http/pool.js';
import { Holding, TLS, httpServer, tlsH2Server, useTeardown } from './loopback.js';

const track = useTeardown();

describe('connection reuse over HTTP/1.1', () => {
  // undici may open a second socket for back-to-back requests (the first Client is marked
  // free a microtask after the response ends), so the bound is max_connections, not 1.
  it.each([1, 2])('serves N sequential requests on at most max_connections=%i sockets', async (maxConnections) => {
    const server = track(await httpServer((req, res) => res.end(req.url)));
    const client = track(new HttpClientPool({ max_connections: maxConnections })).getClient('seq');
    const n = 6;
    for (let i = 0; i < n; i++) {
      expect(await (await client.fetch(`${server.url}/${i}`)).text()).toBe(`/${i}`);
    }
    expect(server.accepted.length).toBeGreaterThanOrEqual(1);
    expect(server.accepted.length).toBeLessThanOrEqual(maxConnections);
    const stats = client.stats();
    expect(stats).toMatchObject({
      requests: n,
      responses: n,
      failures: 0,
      connections_opened: server.accepted.length,
      reused_requests: n - server.accepted.length,
    });
    expect(stats.http_versions).toEqual({ '1.1': n });
    expect(stats.bytes_sent).toBeGreaterThan(0);
    expect(stats.bytes_received).toBeGreaterThan(0);
  });

  it('never opens more than max_connections sockets for concurrent requests, and queues the rest', async () => {
    const maxConnections = 3;
    const batches = 3;
    const holding = new Holding();
    const server = track(await httpServer(holding.handler));
    const client = track(new HttpClientPool({ max_connections: maxConnections })).getClient('burst');

    const responses = Array.from({ length: maxConnections * batches }, (_, i) =>
      client.fetch(`${server.url}/${i}`).then((r) => r.text()),
    );
    for (let batch = 0; batch < batches; batch++) {
      // The server holds a full batch: only then can it see whether a 4th request got through.
      const held = await Promise.all(Array.from({ length: maxConnections }, () => holding.next()));
      expect(holding.received).toBe((batch + 1) * maxConnections);
      expect(client.stats()).toMatchObject({
        in_flight: maxConnections,
        queued: maxConnections * (batches - batch - 1),
      });
      for (const { res } of held) res.end('ok');
    }
    expect(await Promise.all(responses)).toEqual(Array(maxConnections * batches).fill('ok'));
    expect(server.accepted).toHaveLength(maxConnections);
    expect(client.stats()).toMatchObject({
      connections_opened: maxConnections,
      reused_requests: maxConnections * (batches - 1),
      in_flight: 0,
      queued: 0,
    });
  });

  it('closes idle sockets after keepalive_expiry, even when the server allows longer', async () => {
    // The server keeps idle sockets for ten minutes (and says so): only the client can close this one within the test.
    const server = track(await httpServer((_req, res) => res.end('ok'), { keepAliveTimeout: 600_000 }));
    const client = track(new HttpClientPool({ keepalive_expiry: 0.3 })).getClient('idle');
    const clientSideClosed = once(client.dispatcher, 'disconnect');
    await (await client.fetch(server.url)).text();
    const idleSince = performance.now();
    const closedAt = await server.accepted[0].closed;
    await clientSideClosed;
    const idleSeconds = (closedAt - idleSince) / 1000;
    expect(idleSeconds).toBeGreaterThan(0.2);
    expect(client.stats()).toMatchObject({ connections_opened: 1, connections_closed: 1 });
  });
});

describe('HTTP/2 negotiation over TLS (ALPN)', () => {
  const versionServer = () => tlsH2Server((req, res) => res.end(req.httpVersion));

  // Multiplexing itself (streams per connection, server limits, GOAWAY) is tested in h2-multiplex.test.ts.
  it('speaks h2 when enable_http2 is on', async () => {
    const server = track(await versionServer());
    const client = track(new HttpClientPool({ enable_http2: true, max_connections: 2 }, { ca: TLS.cert })).getClient('h2');
    expect(await (await client.fetch(server.url)).text()).toBe('2.0');
    const more = await Promise.all([1, 2, 3].map(() => client.fetch(server.url).then((r) => r.text())));
    expect(more).toEqual(['2.0', '2.0', '2.0']);
    expect(server.accepted.length).toBeLessThanOrEqual(2);
    expect(client.stats()).toMatchObject({ http_versions: { '2': 4 }, connections_opened: server.accepted.length });
  });

  it('speaks HTTP/1.1 when enable_http2 is off', async () => {
    const server = track(await versionServer());
    const client = track(new HttpClientPool({ enable_http2: false }, { ca: TLS.cert })).getClient('h1');
    expect(await (await client.fetch(server.url)).text()).toBe('1.1');
    expect(client.stats().http_versions).toEqual({ '1.1': 1 });
  });

  it('rejects the self-signed server without the extra CA', async () => {
    const server = track(await versionServer());
    const client = track(new HttpClientPool({})).getClient('untrusted');
    await expect(client.fetch(server.url)).rejects.toThrow();
    expect(client.stats()).toMatchObject({ requests: 1, responses: 0, failures: 1 });
  });
});
