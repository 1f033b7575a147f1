/**
 * Where a batch's vectors come from: reused from the store where it holds one for the same
 * content (and model), embedded otherwise, identical chunks of a batch embedded once. A dry run
 * has a source of its own that counts what would be embedded and calls no provider.
 */
import type { Embedder } from '../embedding/embedder.js';
import { CodeweaverError } from '../errors.js';
import type { StoredChunk, VectorStore } from '../store/vector-store.js';
import type { Ledger } from './ledger.js';

export interface VectorSource {
  /** One vector per chunk, in order; null for a chunk whose vector is left for later (deferred). */
  vectorsFor(chunks: StoredChunk[], signal: AbortSignal): Promise<Array<Float32Array | null>>;
}

export interface VectorSourceDeps {
  store: VectorStore;
  embedder: Embedder;
  /** false (--full): nothing stored is reused, every chunk is embedded. */
  reuse: boolean;
  /** Counts what was embedded and reused. */
  ledger: Ledger;
}

export function vectorSource(deps: VectorSourceDeps, dryRun: boolean, deferred = false): VectorSource {
  return dryRun ? new DryRunVectors(deps) : deferred ? new StoredOrDeferred(deps) : new StoredOrEmbedded(deps);
}

/** What a batch needs: vectors the store already has, and the distinct texts still to embed. */
interface Plan {
  known: Map<string, Float32Array>;
  /** content hash → text, each once. */
  toEmbed: Map<string, string>;
  reused: number;
}

async function plan(deps: VectorSourceDeps, chunks: StoredChunk[]): Promise<Plan> {
  const hashes = [...new Set(chunks.map((c) => c.contentHash))];
  const known = deps.reuse ? await deps.store.reusableVectors(hashes) : new Map<string, Float32Array>();
  // Identical chunks within a batch (license headers, boilerplate) are embedded once.
  const toEmbed = new Map<string, string>();
  for (const c of chunks) if (!known.has(c.contentHash) && !toEmbed.has(c.contentHash)) toEmbed.set(c.contentHash, c.content);
  return { known, toEmbed, reused: chunks.filter((c) => known.has(c.contentHash)).length };
}

class StoredOrEmbedded implements VectorSource {
  constructor(private readonly deps: VectorSourceDeps) {}

  async vectorsFor(chunks: StoredChunk[], signal: AbortSignal): Promise<Float32Array[]> {
    const { embedder, ledger } = this.deps;
    const { known, toEmbed, reused } = await plan(this.deps, chunks);
    let fresh = new Map<string, Float32Array>();
    if (toEmbed.size > 0) {
      const texts = [...toEmbed.values()];
      const vectors = await embedder.embed(texts, 'document', signal);
      if (vectors.length !== texts.length) {
        throw new CodeweaverError(`${embedder.provider}: returned ${vectors.length} vectors for ${texts.length} texts`);
      }
      fresh = new Map([...toEmbed.keys()].map((hash, i) => [hash, vectors[i]!]));
      ledger.embedded(texts.length, chunks.filter((c) => toEmbed.has(c.contentHash)).reduce((n, c) => n + c.tokens, 0));
    }
    ledger.reused(reused);
    return chunks.map((c) => known.get(c.contentHash) ?? fresh.get(c.contentHash)!);
  }
}

/**
 * A run that leaves embedding for later (a model on this machine: vector-fill.ts): vectors the
 * store already has for the same content are reused, the rest are written as none, and the run
 * is as fast as a lexical one. The tokens left to embed are counted here; the fill embeds them.
 */
class StoredOrDeferred implements VectorSource {
  constructor(private readonly deps: VectorSourceDeps) {}

  async vectorsFor(chunks: StoredChunk[]): Promise<Array<Float32Array | null>> {
    const { known, reused } = await plan(this.deps, chunks);
    this.deps.ledger.reused(reused);
    return chunks.map((c) => known.get(c.contentHash) ?? null);
  }
}

/** Counts what a real run would embed and reuse; its vectors are empty (nothing is written). */
class DryRunVectors implements VectorSource {
  /** Content hashes this run would have embedded (and a real run's later batches then reuse). */
  private readonly embedded = new Set<string>();

  constructor(private readonly deps: VectorSourceDeps) {}

  async vectorsFor(chunks: StoredChunk[]): Promise<Float32Array[]> {
    const { ledger } = this.deps;
    const { known, toEmbed, reused } = await plan(this.deps, chunks);
    ledger.reused(reused);
    if (toEmbed.size === 0) return chunks.map((c) => known.get(c.contentHash)!);
    // A real run would reuse what an earlier batch of the same run embedded and wrote.
    const earlier = new Set([...toEmbed.keys()].filter((h) => this.embedded.has(h)));
    let tokens = 0;
    for (const c of chunks) {
      if (earlier.has(c.contentHash)) ledger.reused(1);
      else if (toEmbed.has(c.contentHash)) tokens += c.tokens;
    }
    for (const hash of toEmbed.keys()) this.embedded.add(hash);
    ledger.embedded(toEmbed.size - earlier.size, tokens);
    return chunks.map(() => new Float32Array(0));
  }
}
