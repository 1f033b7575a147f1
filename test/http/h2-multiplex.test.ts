/**
 * HTTP/2 multiplexing through the pool, against a loopback `node:http2` TLS server speaking
 * the OpenAI embeddings wire format. The server counts sessions and the streams open on each
 * at once; it can cap streams (SETTINGS_MAX_CONCURRENT_STREAMS) and send GOAWAY mid-run.
 */
import http2 from 'node:http2';
import https from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { makeEmbedder, type Harness } from '../embedding/helpers.js';
import { fakeVector } from '../embedding/servers/index.js';
import { TLS } from './loopback.js';
import { HttpClientPool } from '../../src/http/pool.js';
import { PoolTimeoutError } from '../../src/http/errors.js';

/** Polls a condition (no fixed sleeps) until it holds, or fails after 5 s. */
async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface H2Server {
  baseUrl: string;
  /** TLS connections accepted, whatever they negotiated. */
  connections: number;
  /** HTTP/2 sessions, with the most streams each had open at once. */
  sessions: Array<{ peak: number; streams: number }>;
  /** Every request's texts, in arrival order (a text sent twice shows twice). */
  received: string[];
  /** Requests over HTTP/1.1 (the ALPN fallback). */
  h1Requests: number;
  /** Called on each request before it is answered; may hold it, or reset its stream. */
  onRequest: ((session: http2.ServerHttp2Session | null, n: number, stream: http2.ServerHttp2Stream | null) => Promise<void> | void) | null;
  close(): Promise<void>;
}

const DIMS = 16;

async function startH2Server(opts: { maxStreams?: number; latencyMs?: number; h1Only?: boolean; slowBody?: boolean } = {}): Promise<H2Server> {
  const latency = opts.latencyMs ?? 50;
  const state: H2Server = { baseUrl: '', connections: 0, sessions: [], received: [], h1Requests: 0, onRequest: null, close: async () => {} };
  // An HTTP/1.1-only origin is a plain https server: its ALPN offers no h2.
  const server = opts.h1Only
    ? https.createServer(TLS)
    : http2.createSecureServer({ ...TLS, allowHTTP1: true, settings: opts.maxStreams ? { maxConcurrentStreams: opts.maxStreams } : {} });
  const sockets = new Set<import('node:net').Socket>();
  server.on('secureConnection', (socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const figures = new WeakMap<http2.ServerHttp2Session, { peak: number; streams: number; open: number }>();
  server.on('session', (session) => {
    const f = { peak: 0, streams: 0, open: 0 };
    figures.set(session, f);
    state.sessions.push(f);
  });
  let n = 0;
  (server as http2.Http2SecureServer).on('request', async (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    const session = req.httpVersion === '2.0' ? (req.stream.session as http2.ServerHttp2Session) : null;
    const f = session ? figures.get(session)! : null;
    if (f) {
      f.streams++;
      f.peak = Math.max(f.peak, ++f.open);
    } else state.h1Requests++;
    try {
      let body = '';
      for await (const chunk of req) body += chunk;
      const input = (JSON.parse(body) as { input: string[] }).input;
      state.received.push(...input);
      await state.onRequest?.(session, ++n, session ? req.stream : null);
      if (req.stream?.destroyed) return;
      await new Promise((r) => setTimeout(r, latency));
      res.setHeader('content-type', 'application/json');
      const answer = JSON.stringify({ object: 'list', data: input.map((t, index) => ({ object: 'embedding', index, embedding: fakeVector(t, DIMS) })), model: 'm', usage: { prompt_tokens: 1, total_tokens: 1 } });
      if (opts.slowBody) {
        // Headers and half the body now, the rest later: a GOAWAY can land mid-body.
        res.writeHead(200);
        res.write(answer.slice(0, answer.length >> 1));
        await new Promise((r) => setTimeout(r, latency));
        res.end(answer.slice(answer.length >> 1));
      } else res.end(answer);
    } catch {
      // the client went away (a GOAWAY'd stream)
    } finally {
      if (f) f.open--;
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.baseUrl = `https://localhost:${(server.address() as AddressInfo).port}/v1`;
  state.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}

let server: H2Server | undefined;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.pool.destroyAll();
  await server?.close();
  server = harness = undefined;
});

function embedderFor(s: H2Server, maxConnections: number, concurrency = 16, readTimeout?: number): Harness {
  return makeEmbedder(
    { provider: 'openai-compatible', base_url: s.baseUrl, model: 'm', dimensions: DIMS, concurrency },
    {
      httpPool: {
        providers: { 'openai-compatible': { enable_http2: true, max_connections: maxConnections, ...(readTimeout ? { read_timeout: readTimeout } : {}) } },
      },
    },
  );
}

/** `total` single-text embeds from `callers` concurrent loops; every vector checked against its text. */
async function drive(h: Harness, total: number, callers: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      for (let i = next++; i < total; i = next++) {
        const [v] = await h.embedder.embed([`text ${i}`], 'document');
        expect(Array.from(v!)).toEqual(Array.from(Float32Array.from(fakeVector(`text ${i}`, DIMS))));
      }
    }),
  );
}

const statsOf = (h: Harness) => h.pool.stats()['openai-compatible']!;

describe('HTTP/2 multiplexing', () => {
  it('16 concurrent embedding requests share one connection as 16 streams', async () => {
    server = await startH2Server({ latencyMs: 100 });
    harness = embedderFor(server, 8);
    await drive(harness, 64, 16);
    expect(server.connections).toBe(1);
    expect(server.sessions).toHaveLength(1);
    expect(server.sessions[0]).toMatchObject({ peak: 16, streams: 64 });
    expect(statsOf(harness)).toMatchObject({ connections_opened: 1, peak_streams: 16, requests_per_connection: 64, http_versions: { '2': 64 } });
  });

  it("a server limit of 4 streams gives 4 per connection and more connections, never more than max_connections", async () => {
    server = await startH2Server({ maxStreams: 4, latencyMs: 100 });
    harness = embedderFor(server, 3);
    await drive(harness, 48, 16);
    expect(server.sessions.length).toBeGreaterThan(1);
    expect(server.connections).toBeLessThanOrEqual(3);
    for (const s of server.sessions) expect(s.peak).toBeLessThanOrEqual(4);
    expect(Math.max(...server.sessions.map((s) => s.peak))).toBe(4);
    expect(statsOf(harness).peak_streams).toBe(4);
    expect(server.received).toHaveLength(48);
  });

  it('a GOAWAY mid-run loses nothing, and nothing is sent twice beyond the retries counted', async () => {
    server = await startH2Server({ latencyMs: 30 });
    harness = embedderFor(server, 4);
    let sent = false;
    server.onRequest = (session, n) => {
      // The server closes the connection gracefully after the 20th request has arrived.
      if (n === 20 && session && !sent) {
        sent = true;
        session.goaway(http2.constants.NGHTTP2_NO_ERROR);
      }
    };
    await drive(harness, 80, 16);
    const texts = Array.from({ length: 80 }, (_, i) => `text ${i}`);
    expect(new Set(server.received)).toEqual(new Set(texts));
    const retries = harness.embedder.stats().retries;
    expect(server.received.length - texts.length).toBeLessThanOrEqual(retries);
    expect(statsOf(harness).goaways_received).toBe(1);
    expect(server.sessions.length).toBeGreaterThanOrEqual(2);
  });

  it('a GOAWAY while many responses are mid-body: every vector right, nothing answered twice into one request', async () => {
    server = await startH2Server({ latencyMs: 40, slowBody: true });
    harness = embedderFor(server, 4);
    let sent = false;
    server.onRequest = async (session, n) => {
      if (n === 24 && session && !sent) {
        sent = true;
        // Wait until the other streams' bodies are half sent, then close the connection.
        await new Promise((r) => setTimeout(r, 60));
        session.goaway(http2.constants.NGHTTP2_NO_ERROR);
        session.destroy();
      }
    };
    await drive(harness, 96, 16);
    const texts = Array.from({ length: 96 }, (_, i) => `text ${i}`);
    expect(new Set(server.received)).toEqual(new Set(texts));
    // The cut responses were asked again: retried by us, or re-sent by undici before any byte of theirs arrived.
    expect(harness.embedder.stats().retries).toBeGreaterThan(0);
    expect(server.sessions.length).toBeGreaterThanOrEqual(2);
  });

  it('a reset stream fails only its own request, retried once; the other streams of the connection go on', async () => {
    server = await startH2Server({ latencyMs: 20 });
    harness = embedderFor(server, 4);
    server.onRequest = (_session, n, stream) => {
      if (n === 5) stream?.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    };
    await drive(harness, 48, 16);
    expect(harness.embedder.stats().retries).toBe(1);
    expect(server.received).toHaveLength(49);
    expect(new Set(server.received).size).toBe(48);
    expect(server.sessions).toHaveLength(1);
  });

  it('read_timeout holds per stream: a stalled one times out and is retried while the others go on over the same connection', async () => {
    server = await startH2Server({ latencyMs: 20 });
    harness = embedderFor(server, 4, 16, 1);
    let stalled = false;
    server.onRequest = async (_session, n) => {
      if (n === 3 && !stalled) {
        stalled = true;
        await new Promise(() => {}); // never answered
      }
    };
    await drive(harness, 64, 16);
    // The stalled text was sent again (a retry), after every other text had been answered.
    const stalledText = server.received[2]!;
    const again = server.received.lastIndexOf(stalledText);
    expect(again).toBe(server.received.length - 1);
    const others = new Set(server.received.filter((t) => t !== stalledText));
    expect(others.size).toBe(63);
    expect(harness.embedder.stats().retries).toBe(1);
    expect(server.sessions).toHaveLength(1);
    expect(server.sessions[0]!.streams).toBe(65);
  });

  it('pool_timeout holds per request: beyond the streams of the only connection, a request waits in the pool and gives up alone', async () => {
    server = await startH2Server({ maxStreams: 2, latencyMs: 10 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    server.onRequest = () => gate; // every request is held until released
    const pool = new HttpClientPool({ providers: { raw: { enable_http2: true, max_connections: 1, pool_timeout: 0.3 } } }, { ca: TLS.cert });
    try {
      const client = pool.getClient('raw', undefined, { providerDefaults: true });
      const post = (i: number) =>
        client.request(`${server!.baseUrl}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: [`t${i}`] }) });
      // Two requests take the connection's two streams, once the first has learnt how many it has.
      const first = post(0);
      await waitUntil(() => server!.received.length === 1);
      const second = post(1);
      await waitUntil(() => server!.received.length === 2);
      // The third has no stream and no other connection: it waits in the pool, and pool_timeout ends it.
      await expect(post(2)).rejects.toBeInstanceOf(PoolTimeoutError);
      expect(client.stats()).toMatchObject({ pool_timeouts: 1, connections_opened: 1 });
      release();
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
      expect(server.received).toEqual(['t0', 't1']);
    } finally {
      release();
      await pool.destroyAll();
    }
  });

  it('an HTTP/1.1-only TLS origin: one request per connection at a time, up to max_connections, as without HTTP/2', async () => {
    server = await startH2Server({ h1Only: true, latencyMs: 50 });
    harness = embedderFor(server, 4, 8);
    await drive(harness, 40, 8);
    expect(server.h1Requests).toBe(40);
    expect(server.connections).toBe(4);
    expect(statsOf(harness)).toMatchObject({ connections_opened: 4, peak_streams: 1, http_versions: { '1.1': 40 } });
  });
});
