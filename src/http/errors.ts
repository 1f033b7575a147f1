import { ServiceError } from '../errors.js';

/**
 * Typed HTTP failures of a pooled client. Each message names the client and the
 * `http_pool` setting to raise, e.g.
 *   voyage: no response headers within 60 s (http_pool.read_timeout)
 *
 * undici reports failures as its own error classes, and fetch wraps them as
 * `TypeError: fetch failed` with the real error in `cause`; `toHttpError` maps them
 * here, and `classifyHttpError` answers the one question a retry layer asks.
 */

export type HttpTimeoutKind = 'connect' | 'read' | 'write' | 'pool';

const SETTING: Record<HttpTimeoutKind, string> = {
  connect: 'connect_timeout',
  read: 'read_timeout',
  write: 'write_timeout',
  pool: 'pool_timeout',
};

export abstract class HttpTimeoutError extends ServiceError {
  /** Which of the pool's timeouts ran out. */
  abstract readonly timeout: HttpTimeoutKind;
  readonly client: string;
  readonly seconds: number;
  constructor(client: string, what: string, kind: HttpTimeoutKind, seconds: number, options?: { cause?: unknown }) {
    super(`${client}: ${what} within ${seconds} s (http_pool.${SETTING[kind]})`, options);
    this.client = client;
    this.seconds = seconds;
  }
  /** The `http_pool` key that bounds this wait. */
  get setting(): string {
    return `http_pool.${SETTING[this.timeout]}`;
  }
}

/** TCP connect + TLS handshake did not finish in time. */
export class ConnectTimeoutError extends HttpTimeoutError {
  readonly timeout = 'connect';
  constructor(client: string, seconds: number, options?: { cause?: unknown }) {
    super(client, 'could not connect', 'connect', seconds, options);
  }
}

/** No response headers, or a gap between body chunks, longer than read_timeout. */
export class ReadTimeoutError extends HttpTimeoutError {
  readonly timeout = 'read';
  readonly phase: 'headers' | 'body';
  constructor(client: string, seconds: number, phase: 'headers' | 'body', options?: { cause?: unknown }) {
    super(client, phase === 'headers' ? 'no response headers' : 'response body stalled: no data', 'read', seconds, options);
    this.phase = phase;
  }
}

/** The request body was not handed to the socket in time (the server stopped reading). */
export class WriteTimeoutError extends HttpTimeoutError {
  readonly timeout = 'write';
  constructor(client: string, seconds: number, options?: { cause?: unknown }) {
    super(client, 'request body not sent', 'write', seconds, options);
  }
}

/** Every connection stayed busy: the request never got one. */
export class PoolTimeoutError extends HttpTimeoutError {
  readonly timeout = 'pool';
  constructor(client: string, seconds: number, options?: { cause?: unknown }) {
    super(client, 'no free connection (all http_pool.max_connections busy)', 'pool', seconds, options);
  }
}

/** The connection failed or was cut (refused, reset, closed by the server, DNS). */
export class HttpConnectionError extends ServiceError {
  readonly client: string;
  readonly code: string | undefined;
  constructor(client: string, detail: string, code: string | undefined, options?: { cause?: unknown }) {
    super(`${client}: connection failed: ${detail} (check the URL, network or proxy)`, options);
    this.client = client;
    this.code = code;
  }
}

/** Socket-level error codes: the request may not have reached the server, or its answer was lost. */
const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  // HTTP/2: the server reset the request's stream (RST_STREAM), or the session it ran on ended.
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_STREAM_CANCEL',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_INVALID_SESSION',
]);

interface Coded {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** The error and its `cause` chain, outermost first (bounded: causes can be cyclic). */
function* causeChain(err: unknown): Generator<Coded> {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 8; e = (e as Coded).cause, depth++) {
    yield e as Coded;
  }
}

export type HttpErrorClass = 'timeout' | 'connection' | 'aborted' | 'other';

/**
 * What kind of failure this is, looking through fetch's `TypeError` wrapper:
 * - timeout: one of the HttpTimeoutError classes (or undici's own timeout errors);
 * - connection: refused, reset, closed mid-response, DNS;
 * - aborted: the caller's AbortSignal fired (do not retry);
 * - other: anything else (programming errors, HTTP parse errors, …).
 */
export function classifyHttpError(err: unknown): HttpErrorClass {
  let networkError = false;
  let anyCode = false;
  for (const e of causeChain(err)) {
    if (typeof e.code === 'string') anyCode = true;
    // fetch's own "network error" (the Fetch standard's term): its cause names no socket code
    // when fetch refused before connecting (a blocked port, a bad redirect). Still a failure to
    // reach the service, not a wrong request: it counts toward the outage rule like a refused port.
    if ((e as unknown) instanceof TypeError && e.message === 'fetch failed') networkError = true;
    if (e instanceof HttpTimeoutError) return 'timeout';
    if (e instanceof HttpConnectionError) return 'connection';
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code && UNDICI_TIMEOUTS.has(code)) return 'timeout';
    if (code && CONNECTION_CODES.has(code)) return 'connection';
    if (e.name === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'UND_ERR_ABORT') return 'aborted';
  }
  return networkError && !anyCode ? 'connection' : 'other';
}

const UNDICI_TIMEOUTS = new Map<string, (client: string, s: TimeoutSeconds, cause: unknown) => HttpTimeoutError>([
  ['UND_ERR_CONNECT_TIMEOUT', (c, s, cause) => new ConnectTimeoutError(c, s.connect_timeout, { cause })],
  ['UND_ERR_HEADERS_TIMEOUT', (c, s, cause) => new ReadTimeoutError(c, s.read_timeout, 'headers', { cause })],
  ['UND_ERR_BODY_TIMEOUT', (c, s, cause) => new ReadTimeoutError(c, s.read_timeout, 'body', { cause })],
]);

export interface TimeoutSeconds {
  connect_timeout: number;
  read_timeout: number;
}

/**
 * Maps one undici error (as a dispatch handler receives it) to our typed error, or returns
 * it unchanged when it is not a timeout. Used inside the dispatcher so every consumer
 * (fetch, undici.request, SDKs) sees the same typed cause.
 */
export function typedTimeout(err: Error, client: string, settings: TimeoutSeconds): Error {
  const code = (err as Coded).code;
  const make = typeof code === 'string' ? UNDICI_TIMEOUTS.get(code) : undefined;
  return make ? make(client, settings, err) : err;
}

/**
 * The error a pooled `fetch` rejects with: our typed error when the cause chain holds one,
 * an HttpConnectionError for socket failures, otherwise the original (AbortError included,
 * so callers can still recognise their own cancellation).
 */
export function toHttpError(err: unknown, client: string): unknown {
  for (const e of causeChain(err)) {
    if (e instanceof HttpTimeoutError || e instanceof HttpConnectionError) return e;
  }
  if (classifyHttpError(err) !== 'connection') return err;
  const root = [...causeChain(err)].at(-1) ?? {};
  const code = typeof root.code === 'string' ? root.code : undefined;
  const message = typeof root.message === 'string' ? root.message : String(root);
  return new HttpConnectionError(client, code && !message.includes(code) ? `${code} ${message}` : message, code, {
    cause: err,
  });
}
