import { Client, type Dispatcher, type Pool, type buildConnector } from 'undici';
import type { StatsRecorder } from './stats.js';
import { ConnectionSlot, TrackedRequest } from './tracked-request.js';

type Connector = buildConnector.connector;

/** The most requests we run at once on one HTTP/2 connection, whatever the server allows. */
export const MAX_STREAMS_PER_CONNECTION = 100;
/** How long a new HTTP/2 connection waits for the server's SETTINGS before assuming undici's default. */
const SETTINGS_WAIT_MS = 1000;

/** What the connections of one origin have taught us: shared by the Clients of one Pool. */
export interface OriginMemory {
  /** The protocol the origin's last connection negotiated (null: none connected yet). */
  protocol: '1.1' | '2' | null;
  /** The server's SETTINGS_MAX_CONCURRENT_STREAMS, as last announced (capped). */
  streams: number;
}

export interface TrackedClientContext {
  stats: StatsRecorder;
  memory: OriginMemory;
  /** The Pool this Client belongs to: requests it cannot run go back there, to other connections. */
  pool: () => Pool;
  /** HTTP/2 may be negotiated (enable_http2 and a TLS origin). */
  h2: boolean;
}

interface Held {
  opts: Dispatcher.DispatchOptions;
  handler: Dispatcher.DispatchHandler;
}

/**
 * One undici Client (one connection slot of a per-origin Pool), made to multiplex over HTTP/2
 * and to report what it does.
 *
 * undici runs `pipelining` requests at once on a Client, 1 unless told otherwise, and that holds
 * for HTTP/2 too: out of the box every request in flight gets a connection of its own (measured:
 * 17 TLS connections for 16 requests in flight). So this Client sets its own `pipelining` to
 * the number of streams the server allows on the connection (SETTINGS_MAX_CONCURRENT_STREAMS,
 * capped) once it is known, and to 1 on HTTP/1.1. The Pool opens another connection only when
 * every Client is full, up to `max_connections`.
 *
 * The first connection to an origin does not know yet what it will speak: its first request
 * opens it, and the requests that arrive meanwhile wait here instead of each opening a
 * connection of its own. Once ALPN and the server's SETTINGS are known they run on this
 * connection as far as it takes them, and the rest go back to the Pool (on HTTP/1.1: to other
 * connections, as before). Later Clients of the origin start from what the first one learnt.
 *
 * It also tells each request when it leaves the pool's queue (undici's Pool calls `dispatch`
 * exactly when it hands a queued request to a Client: the end of the pool_timeout wait), and
 * records sockets, streams and GOAWAYs.
 */
export class TrackedClient extends Client {
  readonly #slot: ConnectionSlot;
  readonly #ctx: TrackedClientContext;
  readonly #origin: URL;
  /** How many requests the current connection takes at once; null until known. */
  #streams: number | null;
  /** Requests waiting for the first connection to say how many it takes. */
  #held: Held[] = [];
  /** A request was handed to undici to open the connection the held ones wait for. */
  #opening = false;
  /** We told the Pool we were full while holding: we owe it a 'drain'. */
  #owesDrain = false;
  #settingsTimer: NodeJS.Timeout | undefined;

  constructor(origin: string | URL, options: Client.Options & { connect: Connector }, ctx: TrackedClientContext) {
    const slot = new ConnectionSlot(ctx.stats);
    const connect = options.connect;
    const known = ctx.memory.protocol;
    super(origin, {
      ...options,
      // Later connections of an origin that spoke HTTP/2 take its streams from the start.
      pipelining: ctx.h2 && known === '2' ? ctx.memory.streams : 1,
      connect: (opts, callback) =>
        connect(opts, (...result) => {
          const socket = result[1];
          if (socket) {
            slot.socketOpened(socket);
            ctx.stats.socketOpened(socket);
          }
          callback(...result);
        }),
    });
    this.#slot = slot;
    this.#ctx = ctx;
    this.#origin = new URL(String(origin));
    this.#streams = !ctx.h2 || known === '1.1' ? 1 : known === '2' ? ctx.memory.streams : null;
    this.on('connect', () => this.#connected());
    this.on('disconnect', () => clearTimeout(this.#settingsTimer));
    // A failed connect errors the request that opened it; the held ones go back to the Pool.
    this.on('connectionError', () => {
      this.#opening = false;
      this.#sendBack(this.#held.splice(0));
    });
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    // A request that already gave up waiting (pool_timeout) must not take the slot.
    if (handler instanceof TrackedRequest && !handler.acquire(this.#slot)) return true;
    if (this.#streams !== null || this.destroyed || this.closed) return this.#run(options, handler);
    if (!this.#opening) {
      this.#opening = true;
      this.#run(options, handler);
      return true;
    }
    this.#held.push({ opts: options, handler });
    if (this.#held.length + 1 < MAX_STREAMS_PER_CONNECTION) return true;
    this.#owesDrain = true;
    return false;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override close(...args: any[]): any {
    this.#release();
    return (super.close as (...a: unknown[]) => unknown)(...args);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override destroy(...args: any[]): any {
    this.#release();
    return (super.destroy as (...a: unknown[]) => unknown)(...args);
  }

  /** Hands a request to undici on this connection. */
  #run(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (handler instanceof TrackedRequest) handler.runOn(this.#slot);
    return super.dispatch(opts, handler);
  }

  #connected(): void {
    const memory = this.#ctx.memory;
    if (this.#slot.httpVersion === '1.1') {
      memory.protocol = '1.1';
      this.#use(1);
      return;
    }
    memory.protocol = '2';
    const session = http2SessionOf(this);
    if (!session) {
      this.#use(memory.streams);
      return;
    }
    session.on('goaway', () => this.#ctx.stats.add('goaways_received'));
    // The server's SETTINGS come first on the connection; undici writes requests before they
    // are read, so the held ones wait for them (a fraction of a round trip), or for a second.
    session.on('remoteSettings', (settings: { maxConcurrentStreams?: number }) => {
      clearTimeout(this.#settingsTimer);
      const streams = Math.max(1, Math.min(MAX_STREAMS_PER_CONNECTION, settings.maxConcurrentStreams ?? MAX_STREAMS_PER_CONNECTION));
      memory.streams = streams;
      this.#use(streams);
    });
    if (this.#streams === null) this.#settingsTimer = setTimeout(() => this.#use(memory.streams), SETTINGS_WAIT_MS).unref();
  }

  /** The connection takes `streams` requests at once: run the held ones, send back what does not fit. */
  #use(streams: number): void {
    this.#streams = streams;
    const held = this.#held.splice(0);
    const free = Math.max(0, streams - this.#slot.assigned);
    // Queued on the Client first, then the limit raised: raising it first would have undici say
    // 'drain' (in a microtask, after all of this) for a Client these requests then fill, and the
    // Pool would queue its next request here, where pool_timeout no longer bounds the wait.
    for (const { opts, handler } of held.slice(0, free)) this.#run(opts, handler);
    if (this.pipelining !== streams) this.pipelining = streams;
    // Filled by requests the Pool did not hand it: the Pool must hear that it is full. undici's
    // Client says 'drain' itself once a request completes.
    if (this.#slot.assigned >= streams) markFull(this.#ctx.pool(), this);
    this.#sendBack(held.slice(free));
    // Told the Pool it was full while holding, and is not: the Pool may give it requests again.
    if (this.#owesDrain && this.#slot.assigned < streams) {
      this.#owesDrain = false;
      (this as unknown as NodeJS.EventEmitter).emit('drain', this.#origin, [this]);
    }
  }

  /** Requests this connection will not run go back to the Pool, which gives them to other connections. */
  #sendBack(held: Held[]): void {
    if (held.length === 0) return;
    const pool = this.#ctx.pool();
    // The Pool must not hand them straight back: it is told this Client is full, as it tells
    // itself when a Client's dispatch returns false. This Client is full (or its connection
    // failed), so undici's Client says 'drain' when it can take more.
    markFull(pool, this);
    for (const { opts, handler } of held) {
      // Back in a queue: pool_timeout bounds the wait again.
      if (handler instanceof TrackedRequest) handler.requeue();
      try {
        pool.dispatch(opts, handler);
      } catch (err) {
        handler.onError?.(err as Error);
      }
    }
  }

  /** Closing or destroying: undici takes the held requests, to run them or fail them with the rest. */
  #release(): void {
    clearTimeout(this.#settingsTimer);
    const held = this.#held.splice(0);
    this.#streams ??= 1;
    for (const { opts, handler } of held) this.#run(opts, handler);
  }
}

/**
 * undici keeps a Client's HTTP/2 session under an internal symbol; its SETTINGS and GOAWAY
 * frames are seen nowhere else. Found by the symbol's description (pinned undici 7.x; the
 * tests fail if it moves), null when absent: then the default stream count is used.
 *
 * Its way out: undici 8 fixes the same problems upstream (multiplexing on HTTP/2, its SETTINGS
 * honoured, bodies of known length; nodejs/undici#4143, #5362, #5135, #5391), but undici 8
 * needs Node 22. Once `engines.node` is >= 22, move to undici 8 and delete this workaround.
 */
function http2SessionOf(client: Client): (NodeJS.EventEmitter & { remoteSettings?: { maxConcurrentStreams?: number } }) | null {
  const key = Object.getOwnPropertySymbols(client).find((s) => s.description === 'http2Session');
  const session = key ? (client as unknown as Record<symbol, unknown>)[key] : null;
  return session && typeof (session as NodeJS.EventEmitter).on === 'function' ? (session as NodeJS.EventEmitter) : null;
}

/**
 * Marks a Client full in its Pool's eyes, as the Pool does itself when a Client's dispatch
 * returns false (the Pool's own symbol, found by description). Without it, the Pool would hand
 * requests this Client sends back straight to it again.
 *
 * Its way out: undici 8 fixes the same problems upstream (multiplexing on HTTP/2, its SETTINGS
 * honoured, bodies of known length; nodejs/undici#4143, #5362, #5135, #5391), but undici 8
 * needs Node 22. Once `engines.node` is >= 22, move to undici 8 and delete this workaround.
 */
function markFull(pool: Pool, client: Client): void {
  const key = Object.getOwnPropertySymbols(pool).find((s) => s.description === 'needDrain');
  if (key) (client as unknown as Record<symbol, unknown>)[key] = true;
}
