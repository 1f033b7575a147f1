/** An answer Qdrant would give instead of a result: HTTP status plus its `status.error` text. */
export class QdrantHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** True when a real Qdrant would have rejected the request (recorded as a violation). */
    readonly invalidRequest = status === 400 || status === 422,
  ) {
    super(message);
  }
}

export const notFoundCollection = (name: string) => new QdrantHttpError(404, `Not found: Collection \`${name}\` doesn't exist!`, false);
export const wrongInput = (what: string) => new QdrantHttpError(400, `Wrong input: ${what}`);
/** Valid per the description, but outside what the double implements: say so loudly. */
export const notImplemented = (what: string) => new QdrantHttpError(501, `Not implemented by the Qdrant test double: ${what}`, true);
