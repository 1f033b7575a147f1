/**
 * What a failed embedding batch means for the run, decided from the error's kind alone
 * (errors.ts), never from the HTTP layer's types:
 * - `abort`: cancelled (Ctrl-C, or the run cancelled its own requests): not the files' fault;
 * - `fatal`: nothing else in the run can succeed (a refused key, a wrong configuration);
 * - `outage`: the provider kept failing after its retries: counts toward stopping the run;
 * - `file`: this batch's files failed; the rest of the run goes on.
 */
import { isFatal, kindOf } from '../errors.js';

export type FailureVerdict = 'abort' | 'fatal' | 'outage' | 'file';

export function classifyFailure(err: unknown): FailureVerdict {
  if (isAbortError(err)) return 'abort';
  if (isFatal(err)) return 'fatal';
  if (kindOf(err) === 'unavailable') return 'outage';
  return 'file';
}

/** An AbortSignal's doing: DOMException AbortError, or Node's ABORT_ERR. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: unknown }).code === 'ABORT_ERR');
}

/**
 * Batches in a row that failed because the provider is unreachable or erroring (after their
 * retries), with no success between: the provider is down, and the run stops rather than
 * paying every remaining batch's retry budget.
 */
export const OUTAGE_BATCHES = 3;
