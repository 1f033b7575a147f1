/**
 * A wire (anything with a `send`) whose module, and the SDK behind it, is loaded at its first
 * request. Loading the provider SDKs up front cost most of the CLI's startup (cohere-ai alone is
 * 831 files): a lexical run, a search of a lexical index or `cw --version` never need them. Used
 * by the embedding and the rerank wires alike.
 */
export function lazyWire<A extends unknown[], R, W extends { send(...args: A): Promise<R> }>(load: () => Promise<W>): { send(...args: A): Promise<R> } {
  let wire: Promise<W> | null = null;
  return { send: async (...args: A) => (await (wire ??= load())).send(...args) };
}
