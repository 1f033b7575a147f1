import { Response, type Headers } from 'undici';
import { HttpStatusError, parseRetryAfter } from './retry.js';
import type { PooledFetch, PooledRequest } from './types.js';

/** One complete HTTP exchange: the response body is read in full before we look at it. */
export interface Exchange {
  status: number;
  headers: { get(name: string): string | null };
  body: Uint8Array;
  bytesSent: number;
}

/** The same exchange through the pool's `request` (our own wire formats: no fetch machinery). */
export async function requestExchange(request: PooledRequest, url: string, init: Parameters<PooledRequest>[1]): Promise<Exchange> {
  const res = await request(url, init);
  return { ...res, bytesSent: bodyBytes(init.body) };
}

/**
 * Sends one request and reads the whole answer. Reading the body here (not in an SDK)
 * means a connection cut mid-body rejects with the pool's typed error, which the retry
 * layer recognises; embedding answers are one batch, so buffering costs nothing extra.
 */
export async function bufferedExchange(
  fetch: PooledFetch,
  input: Parameters<PooledFetch>[0],
  init: Parameters<PooledFetch>[1],
): Promise<Exchange & { headers: Headers }> {
  const response = await fetch(input, init);
  const body = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body, bytesSent: bodyBytes(init?.body) };
}

function bodyBytes(body: unknown): number {
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  return 0;
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** A non-2xx exchange as the error the retry layer classifies; secrets are cut out of the server's text. */
export function statusError(label: string, ex: Exchange, redact: (s: string) => string): HttpStatusError {
  return new HttpStatusError(label, ex.status, redact(serverMessage(ex.body)), parseRetryAfter(ex.headers.get('retry-after'), Date.now()));
}

/** The human part of an error body: `message`, `detail`, `error.message` or `error`, else the text itself. */
function serverMessage(body: Uint8Array): string {
  const text = Buffer.from(body).toString('utf8').trim();
  let message: unknown = text;
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const err = json.error as Record<string, unknown> | string | undefined;
    message = json.message ?? json.detail ?? (typeof err === 'object' ? err?.message : err) ?? text;
  } catch {
    // not JSON: keep the text
  }
  const oneLine = (typeof message === 'string' ? message : JSON.stringify(message)).replace(/\s+/g, ' ');
  return oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine;
}

export function parseJson(ex: Exchange, onError: (what: string) => Error): unknown {
  const text = Buffer.from(ex.body).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw onError(`${ex.body.byteLength} bytes of invalid JSON${text.length ? ` (starts ${JSON.stringify(text.slice(0, 40))})` : ''}`);
  }
}

/**
 * A fetch for an SDK that records what really happened: the SDKs turn transport errors
 * into their own untyped ones (losing ECONNRESET vs timeout), so after the SDK call we
 * settle on the recorded outcome instead. One recorder per attempt.
 */
export function recordingFetch(fetch: PooledFetch) {
  let failure: { error: unknown } | undefined;
  let exchange: (Exchange & { headers: Headers }) | undefined;
  const recorder = (async (input, init) => {
    try {
      exchange = await bufferedExchange(fetch, input, init);
    } catch (error) {
      failure = { error };
      throw error;
    }
    return new Response(exchange.body.byteLength ? exchange.body : null, {
      status: exchange.status,
      headers: exchange.headers,
    });
  }) as PooledFetch;
  return {
    fetch: recorder,
    /**
     * The exchange to trust, or the error to throw: the recorded transport failure, the
     * recorded non-2xx status, else the SDK's own error (e.g. it refused to build the request).
     */
    settle(label: string, redact: (s: string) => string, sdkError?: unknown): Exchange {
      if (failure) throw failure.error;
      if (exchange && !isSuccess(exchange.status)) throw statusError(label, exchange, redact);
      if (sdkError !== undefined) throw sdkError;
      if (!exchange) throw new Error(`${label}: the SDK returned without sending a request`);
      return exchange;
    },
  };
}

/**
 * Runs one SDK call over a fresh recorder and returns the SDK's parsed answer with the
 * exchange we trust for status, errors and byte counts (see recordingFetch).
 */
export async function callThroughSdk<T>(
  fetch: PooledFetch,
  label: string,
  redact: (s: string) => string,
  call: (fetch: typeof globalThis.fetch) => Promise<T>,
): Promise<{ response: T; exchange: Exchange }> {
  const recorder = recordingFetch(fetch);
  let response: T | undefined;
  let sdkError: unknown;
  try {
    response = await call(recorder.fetch as typeof globalThis.fetch);
  } catch (err) {
    sdkError = err;
  }
  const exchange = recorder.settle(label, redact, sdkError);
  return { response: response as T, exchange };
}
