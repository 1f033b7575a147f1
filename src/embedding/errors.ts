import { CodeweaverError, ServiceError } from '../errors.js';
import type { MaybeRetryable } from '../http/retry.js';

/**
 * A successful status whose body is not the documented shape (unparseable, cut short, no
 * vectors). Retried: in practice this is a response truncated by a proxy or a dying
 * connection, and embedding is a pure function, so asking again is safe. If it persists,
 * the retry layer gives up with this message after its attempt cap.
 */
export class MalformedResponseError extends ServiceError implements MaybeRetryable {
  readonly retryable = true;
  constructor(provider: string, what: string) {
    super(`${provider}: malformed embedding response: ${what}`);
  }
}

/**
 * The provider answered with a different number of vectors than texts sent (or an index
 * out of range or twice). Not retried: it is a contract breach, and accepting it would
 * silently attach vectors to the wrong chunks.
 */
export class VectorCountMismatchError extends ServiceError {
  readonly sent: number;
  readonly received: number;
  constructor(provider: string, sent: number, received: number, detail = '') {
    super(`${provider}: sent ${sent} texts but received ${received} vectors${detail ? ` (${detail})` : ''}; batch failed`);
    this.sent = sent;
    this.received = received;
  }
}

/**
 * A vector of another size than the model's (or the rest of the batch's). A configuration
 * error, not a batch's failure: every other batch would get the same answer, so the run
 * stops at the first one (exit 2) instead of paying for each.
 */
export class VectorDimensionError extends CodeweaverError {
  constructor(provider: string, expected: number, received: number) {
    super(
      `${provider}: the model returned ${received}-dimension vectors, expected ${expected} — set embedding.dimensions to ${received} ` +
        '(or check embedding.model); an index built at another size needs --full',
      'config',
    );
  }
}
