/**
 * Loopback servers for the HTTP pool tests: they count the TCP connections they accept and
 * expose each socket's close as a promise, so tests await events instead of sleeping.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export const TLS = {
  cert: readFileSync(new URL('../fixtures/tls/cert.pem', import.meta.url)),
  key: readFileSync(new URL('../fixtures/tls/key.pem', import.meta.url)),
};

export interface AcceptedSocket {
  socket: net.Socket;
  /** Resolves with performance.now() when the server side of the socket closes. */
  closed: Promise<number>;
}

export interface Loopback {
  url: string;
  accepted: AcceptedSocket[];
  close(): Promise<void>;
}

type ListeningServer = net.Server & { closeAllConnections?: () => void };

async function listen(server: ListeningServer, scheme: 'http' | 'https'): Promise<Loopback> {
  const accepted: AcceptedSocket[] = [];
  // TLS servers report the raw TCP socket on 'connection' too, before the handshake.
  server.on('connection', (socket: net.Socket) => {
    const closed = once(socket, 'close').then(() => performance.now());
    accepted.push({ socket, closed });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    accepted,
    async close() {
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const { socket } of accepted) socket.destroy();
      await done;
    },
  };
}

export function httpServer(handler: http.RequestListener, options: http.ServerOptions = {}): Promise<Loopback> {
  return listen(http.createServer(options, handler), 'http');
}

/** TLS server offering h2 and http/1.1 via ALPN; responds with the negotiated version. */
export function tlsH2Server(handler: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void) {
  return listen(http2.createSecureServer({ ...TLS, allowHTTP1: true }, handler), 'https');
}

/** Accepts TCP connections and never reads or writes: TLS never completes, bodies never drain. */
export function silentTcpServer(): Promise<Loopback> {
  return listen(
    net.createServer((socket) => socket.pause()),
    'http',
  );
}

/** A request the server holds until the test lets it go. */
export interface HeldRequest {
  req: http.IncomingMessage;
  res: http.ServerResponse;
}

/** An async queue of held requests: `next()` resolves when the server has received one. */
export class Holding {
  readonly #waiting: Array<(r: HeldRequest) => void> = [];
  readonly #ready: HeldRequest[] = [];
  received = 0;

  readonly handler: http.RequestListener = (req, res) => {
    this.received++;
    const held = { req, res };
    const waiter = this.#waiting.shift();
    if (waiter) waiter(held);
    else this.#ready.push(held);
  };

  next(): Promise<HeldRequest> {
    const ready = this.#ready.shift();
    return ready ? Promise.resolve(ready) : new Promise((resolve) => this.#waiting.push(resolve));
  }
}

/** Elapsed seconds of an async operation and how it settled. */
export async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; error: unknown; value?: T }> {
  const start = performance.now();
  try {
    const value = await work();
    return { seconds: (performance.now() - start) / 1000, error: undefined, value };
  } catch (error) {
    return { seconds: (performance.now() - start) / 1000, error };
  }
}

type Closable = { close(): Promise<void> } | { destroyAll(): Promise<void> };

/** Returns `track(thing)`: servers and pools it is given are closed after each test, newest first. */
export function useTeardown(): <T extends Closable>(thing: T) => T {
  const items: Closable[] = [];
  afterEach(async () => {
    for (const item of items.splice(0).reverse()) await ('destroyAll' in item ? item.destroyAll() : item.close());
  });
  return (thing) => {
    items.push(thing);
    return thing;
  };
}
