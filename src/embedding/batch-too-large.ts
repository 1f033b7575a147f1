import { HttpStatusError } from '../http/retry.js';

/**
 * "Your batch is too big" in the words providers use: 413, or a 400 whose message talks
 * about too many tokens/inputs or a batch limit. (A single input over the model's context
 * also says "tokens"; splitting then ends at one input, which fails with the real message.)
 */
const TOO_LARGE =
  /too (many|large|long)|exceed|maximum|max(imum)? (allowed|number)|batch size|limit of \d+|at most \d+/i;
const ABOUT_BATCH = /token|input|text|batch|item|request/i;

export function isBatchTooLarge(err: unknown): boolean {
  if (!(err instanceof HttpStatusError)) return false;
  if (err.status === 413) return true;
  return err.status === 400 && TOO_LARGE.test(err.detail) && ABOUT_BATCH.test(err.detail);
}
