import { AuthError, ServiceError } from '../../errors.js';
import { classifyHttpError } from '../../http/errors.js';
import { HttpStatusError, RetriesExhaustedError } from '../../http/retry.js';

/**
 * The Qdrant client reports failures in several shapes (an ApiError with `status` and `data`
 * for HTTP errors, its own timeout and 429 classes, fetch's TypeError for connection
 * failures). These map them onto the retry layer's vocabulary, then onto one line for users.
 */

interface ApiErrorLike {
  status: number;
  data?: { status?: { error?: string } | string };
  headers?: Headers;
}

/** What the retry layer understands: HttpStatusError for statuses, retryable flags for timeouts. */
export function toRetryable(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  if (err.name === 'QdrantClientResourceExhaustedError') {
    const seconds = Number((err as Error & { retry_after?: number }).retry_after);
    return new HttpStatusError('qdrant', 429, err.message, Number.isFinite(seconds) ? seconds * 1000 : null);
  }
  if (err.name === 'QdrantClientTimeoutError') return Object.assign(err, { retryable: true });
  const api = err as Error & Partial<ApiErrorLike>;
  if (typeof api.status === 'number') {
    const data = api.data?.status;
    const detail = (typeof data === 'string' ? data : data?.error) ?? err.message ?? '';
    return new HttpStatusError('qdrant', api.status, detail.slice(0, 300), null);
  }
  return err;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof HttpStatusError && err.status === 404;
}

/** Qdrant answers 409 when a collection being created already exists. */
export function isConflict(err: unknown): boolean {
  return err instanceof HttpStatusError && (err.status === 409 || (err.status === 400 && /already exists/i.test(err.detail)));
}

/** No answer before the operation's deadline (our own timer; the client's may fire too). */
export class QdrantDeadlineError extends Error {
  readonly retryable = true;
  constructor() {
    super('no answer before the deadline');
    this.name = 'QdrantClientTimeoutError';
  }
}

/** Resolves as `promise` does, or rejects with QdrantDeadlineError at `deadline` (ms since the epoch). */
export function beforeDeadline<T>(promise: Promise<T>, deadline: number): Promise<T> {
  const ms = deadline - Date.now();
  if (ms <= 0) {
    promise.catch(() => {});
    return Promise.reject(new QdrantDeadlineError());
  }
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new QdrantDeadlineError()), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Qdrant could not be reached or did not answer in time (after retries): the store cannot go on. */
export function isUnavailable(err: unknown): boolean {
  const last = err instanceof RetriesExhaustedError ? err.lastError : err;
  const kind = classifyHttpError(last);
  return kind === 'connection' || kind === 'timeout' || (last instanceof Error && last.name === 'QdrantClientTimeoutError');
}

export interface UserErrorContext {
  url: string;
  apiKeyEnv: string;
  op: string;
  collection: string;
  timeoutSeconds: number;
}

/** The one line a user sees, naming the problem and the fix. Never includes the API key. */
export function toUserError(err: unknown, ctx: UserErrorContext): Error {
  const last = err instanceof RetriesExhaustedError ? err.lastError : err;
  if (last instanceof HttpStatusError && (last.status === 401 || last.status === 403)) {
    return new AuthError(
      `qdrant: API key refused (HTTP ${last.status}) by ${ctx.url} — set ${ctx.apiKeyEnv} (store.api_key_env names the variable)`,
      { cause: err },
    );
  }
  if (classifyHttpError(last) === 'connection') {
    const code = codeOf(last);
    return new ServiceError(
      `qdrant: cannot reach ${ctx.url}${code ? ` (${describeCode(code)})` : ''} — is Qdrant running? set QDRANT_URL or store.url`,
      { cause: err },
    );
  }
  if (classifyHttpError(last) === 'timeout' || (last instanceof Error && last.name === 'QdrantClientTimeoutError')) {
    return new ServiceError(
      `qdrant: no answer from ${ctx.url} within ${ctx.timeoutSeconds} s (${ctx.op}) — check the server, or raise http_pool.providers.qdrant.read_timeout`,
      { cause: err },
    );
  }
  if (last instanceof HttpStatusError && last.status === 404) {
    return new ServiceError(
      `qdrant: collection "${ctx.collection}" no longer exists at ${ctx.url} (${ctx.op}) — Qdrant lost its data (restarted without storage?) or the collection was deleted; rerun cw index to rebuild it`,
      { cause: err },
    );
  }
  const what = last instanceof HttpStatusError ? `HTTP ${last.status}${last.detail ? `: ${last.detail}` : ''}` : messageOf(last);
  const tries = err instanceof RetriesExhaustedError ? ` after ${err.attempts} attempts` : '';
  return new ServiceError(`qdrant: ${ctx.op} failed${tries} (${what})`, { cause: err });
}

function codeOf(err: unknown): string | undefined {
  for (let e: unknown = err, i = 0; e && i < 6; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}

function describeCode(code: string): string {
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'name lookup failed',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
  };
  return known[code] ?? code;
}

/** The message with its root cause (fetch's own message, "fetch failed", says nothing by itself). */
function messageOf(err: unknown): string {
  const first = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
  let root = err;
  for (let i = 0; i < 6 && root instanceof Error && root.cause; i++) root = root.cause;
  return root === err ? first(err) : `${first(err)}: ${first(root)}`;
}
