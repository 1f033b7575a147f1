import { readFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * A loopback HTTP server for provider tests: records every request (headers, parsed JSON
 * body), counts TCP connections and concurrent requests, and answers through a scripted
 * responder that can also fail on purpose (reset before headers or mid-body).
 */

const TLS_DIR = fileURLToPath(new URL('../../fixtures/tls/', import.meta.url));
export const TLS_CERT = readFileSync(`${TLS_DIR}cert.pem`);
const TLS_KEY = readFileSync(`${TLS_DIR}key.pem`);

export interface CapturedRequest {
  method: string;
  /** Path and query, e.g. /v1/embeddings */
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body (undefined when empty or not JSON). */
  body: any;
  httpVersion: string;
}

export type Reply =
  | {
      status?: number;
      headers?: Record<string, string>;
      /** Serialised as JSON. */
      json?: unknown;
      /** Sent as is (e.g. truncated JSON). */
      text?: string;
      /** Server-side latency before answering. */
      delayMs?: number;
    }
  | { reset: 'before-headers' | 'mid-body' };

export type Responder = (req: CapturedRequest, n: number) => Reply | Promise<Reply>;

export interface LoopbackOptions {
  /** http (plain), https (HTTP/1.1 over TLS) or h2 (TLS, ALPN h2 with HTTP/1.1 fallback). */
  protocol?: 'http' | 'https' | 'h2';
  respond: Responder;
}

export interface LoopbackServer {
  /** e.g. http://127.0.0.1:40123 (https://localhost:… for TLS, matching the cert). */
  origin: string;
  readonly requests: CapturedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Most requests being handled at the same time (since the last resetMaxConcurrent). */
  readonly maxConcurrent: number;
  /** Requests being handled right now. */
  readonly inFlight: number;
  /** TCP connections open right now. */
  readonly openConnections: number;
  /** Resolves once no client connection is open (e.g. after the client closed its pool). */
  whenAllClosed(): Promise<void>;
  resetMaxConcurrent(): void;
  /** Replace the responder (e.g. a scripted sequence per test). */
  respond: Responder;
  close(): Promise<void>;
}

export async function startLoopbackServer(options: LoopbackOptions): Promise<LoopbackServer> {
  const protocol = options.protocol ?? 'http';
  const requests: CapturedRequest[] = [];
  let connections = 0;
  let inFlight = 0;
  let maxConcurrent = 0;
  const sockets = new Set<import('node:net').Socket>();

  const handler = async (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => {
    inFlight++;
    maxConcurrent = Math.max(maxConcurrent, inFlight);
    let done = false;
    const finish = () => {
      if (!done) inFlight--;
      done = true;
    };
    res.on('close', finish);
    res.on('finish', finish);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const captured: CapturedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers as http.IncomingHttpHeaders,
      body,
      httpVersion: req.httpVersion,
    };
    requests.push(captured);
    const reply = await server.respond(captured, requests.length);
    if ('reset' in reply) return cut(res, reply.reset);
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    const payload = reply.text ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
    (res as http.ServerResponse).writeHead(reply.status ?? 200, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(payload)),
      ...reply.headers,
    });
    res.end(payload);
  };

  const wrapped = (req: any, res: any) => {
    handler(req, res).catch(() => res.destroy?.());
  };
  const tls = { cert: TLS_CERT, key: TLS_KEY };
  const node =
    protocol === 'http'
      ? http.createServer({ keepAliveTimeout: 30_000 }, wrapped)
      : protocol === 'https'
        ? https.createServer({ ...tls, keepAliveTimeout: 30_000 }, wrapped)
        : http2.createSecureServer({ ...tls, allowHTTP1: true }, wrapped);
  let closedWaiters: Array<() => void> = [];
  node.on('connection', (socket: import('node:net').Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) {
        for (const w of closedWaiters) w();
        closedWaiters = [];
      }
    });
  });
  await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
  const port = (node.address() as AddressInfo).port;

  const server: LoopbackServer = {
    origin: protocol === 'http' ? `http://127.0.0.1:${port}` : `https://localhost:${port}`,
    requests,
    get connections() {
      return connections;
    },
    get maxConcurrent() {
      return maxConcurrent;
    },
    get inFlight() {
      return inFlight;
    },
    get openConnections() {
      return sockets.size;
    },
    whenAllClosed: () => (sockets.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => closedWaiters.push(resolve))),
    resetMaxConcurrent() {
      maxConcurrent = inFlight;
    },
    respond: options.respond,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        node.close(() => resolve());
      }),
  };
  return server;
}

/** Fails the exchange on purpose: before any header, or after half of a promised body. */
function cut(res: http.ServerResponse | http2.Http2ServerResponse, when: 'before-headers' | 'mid-body'): void {
  if (when === 'mid-body') {
    (res as http.ServerResponse).writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    (res as http.ServerResponse).write('{"data":[{"index":0,"embedding":[0.1,');
  }
  if ('stream' in res) {
    res.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  // Let the partial body reach the client before the socket dies.
  setImmediate(() => res.socket?.destroy());
}
