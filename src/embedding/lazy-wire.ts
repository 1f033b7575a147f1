import type { WireFormat } from './remote-embedder.js';

/**
 * A wire format whose module (and the SDK behind it) is loaded at its first request. Loading the
 * provider SDKs up front cost most of the CLI's startup (cohere-ai alone is 831 files): a
 * lexical run, a search of a lexical index or `cw --version` never need them.
 */
export function lazyWire(load: () => Promise<WireFormat>): WireFormat {
  let wire: Promise<WireFormat> | null = null;
  return {
    send: async (texts, inputType, signal) => (await (wire ??= load())).send(texts, inputType, signal),
  };
}
