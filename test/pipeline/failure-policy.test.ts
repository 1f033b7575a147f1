import { describe, expect, it } from 'vitest';
import { AuthError, CodeweaverError, ConfigError, ServiceError, UsageError } from '../../src/errors.js';
import { VectorDimensionError } from '../../src/embedding/errors.js';
import { ConnectTimeoutError } from '../../src/http/errors.js';
import { HttpStatusError, RetriesExhaustedError } from '../../src/http/retry.js';
import { classifyFailure } from '../../src/pipeline/failure-policy.js';

describe('classifyFailure', () => {
  it.each([
    ['an AbortError', new DOMException('stopped', 'AbortError'), 'abort'],
    ["Node's ABORT_ERR", Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }), 'abort'],
    ['a refused key', new AuthError('voyage: API key refused'), 'fatal'],
    ['a wrong vector size', new VectorDimensionError('voyage', 8, 1024), 'fatal'],
    ['a configuration error', new ConfigError('bad'), 'fatal'],
    ['a usage error', new UsageError('bad'), 'fatal'],
    ['retries exhausted on 503s', new RetriesExhaustedError('voyage', 5, 'budget', new HttpStatusError('voyage', 503, '', null)), 'outage'],
    ['retries exhausted on timeouts', new RetriesExhaustedError('voyage', 5, 'budget', new ConnectTimeoutError('voyage', 1)), 'outage'],
    ['retries exhausted on a 400', new RetriesExhaustedError('voyage', 1, 'not retryable', new HttpStatusError('voyage', 400, 'too long', null)), 'file'],
    ['a 400 for this batch', new HttpStatusError('voyage', 400, 'input too long', null), 'file'],
    ['a service error', new ServiceError('malformed answer'), 'file'],
    ['anything else', new Error('boom'), 'file'],
    ['an operation that failed', new CodeweaverError('the session is closed'), 'file'],
  ])('%s: %s', (_what, err, verdict) => {
    expect(classifyFailure(err)).toBe(verdict);
  });
});
