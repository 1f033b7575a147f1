import { describe, expect, it } from 'vitest';
import {
  ConnectTimeoutError,
  HttpConnectionError,
  PoolTimeoutError,
  ReadTimeoutError,
  WriteTimeoutError,
  classifyHttpError,
  toHttpError,
  typedTimeout,
} from '../../src/http/errors.js';
import { ServiceError } from '../../src/errors.js';

const fetchFailed = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });
const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('classifyHttpError', () => {
  it.each([
    ['our pool timeout inside fetch', fetchFailed(new PoolTimeoutError('voyage', 5)), 'timeout'],
    ["undici's body timeout", fetchFailed(coded('UND_ERR_BODY_TIMEOUT')), 'timeout'],
    ['a reset socket', fetchFailed(coded('ECONNRESET', 'read ECONNRESET')), 'connection'],
    ['the server closing mid-response', fetchFailed(coded('UND_ERR_SOCKET', 'other side closed')), 'connection'],
    ['a nested cause chain', new Error('outer', { cause: fetchFailed(coded('ECONNREFUSED')) }), 'connection'],
    ["the caller's AbortSignal", new DOMException('This operation was aborted', 'AbortError'), 'aborted'],
    ['an HTTP parser error', fetchFailed(coded('HPE_INVALID_CONSTANT')), 'other'],
    ["fetch's refusal before connecting (no code)", fetchFailed(new Error('bad port')), 'connection'],
    ['not an error at all', 'boom', 'other'],
  ])('%s → %s', (_what, err, expected) => {
    expect(classifyHttpError(err)).toBe(expected);
  });

  it('survives a cyclic cause chain', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    a.cause = new Error('b', { cause: a });
    expect(classifyHttpError(a)).toBe('other');
  });
});

describe('typed errors', () => {
  it('name the client and the setting to raise, and carry the exit code of a service failure', () => {
    const errors = [
      new ConnectTimeoutError('voyage', 10),
      new ReadTimeoutError('voyage', 60, 'headers'),
      new WriteTimeoutError('voyage', 10),
      new PoolTimeoutError('voyage', 5),
    ];
    expect(errors.map((e) => e.message)).toEqual([
      'voyage: could not connect within 10 s (http_pool.connect_timeout)',
      'voyage: no response headers within 60 s (http_pool.read_timeout)',
      'voyage: request body not sent within 10 s (http_pool.write_timeout)',
      'voyage: no free connection (all http_pool.max_connections busy) within 5 s (http_pool.pool_timeout)',
    ]);
    expect(errors.map((e) => e.setting)).toEqual([
      'http_pool.connect_timeout',
      'http_pool.read_timeout',
      'http_pool.write_timeout',
      'http_pool.pool_timeout',
    ]);
    for (const e of errors) expect(e).toBeInstanceOf(ServiceError);
  });

  it("typedTimeout maps undici's timeout codes and leaves other errors alone", () => {
    const seconds = { connect_timeout: 3, read_timeout: 7 };
    const connect = typedTimeout(coded('UND_ERR_CONNECT_TIMEOUT'), 'cohere', seconds);
    expect(connect).toBeInstanceOf(ConnectTimeoutError);
    expect(connect.message).toContain('within 3 s');
    const body = typedTimeout(coded('UND_ERR_BODY_TIMEOUT'), 'cohere', seconds) as ReadTimeoutError;
    expect(body.phase).toBe('body');
    const reset = coded('ECONNRESET');
    expect(typedTimeout(reset, 'cohere', seconds)).toBe(reset);
  });

  it('toHttpError unwraps typed causes, wraps socket failures, passes the rest through', () => {
    const pool = new PoolTimeoutError('voyage', 5);
    expect(toHttpError(fetchFailed(pool), 'voyage')).toBe(pool);
    const reset = toHttpError(fetchFailed(coded('ECONNRESET', 'read ECONNRESET')), 'voyage') as HttpConnectionError;
    expect(reset).toBeInstanceOf(HttpConnectionError);
    expect(reset.message).toBe('voyage: connection failed: read ECONNRESET (check the URL, network or proxy)');
    const abort = new DOMException('aborted', 'AbortError');
    expect(toHttpError(abort, 'voyage')).toBe(abort);
  });
});
