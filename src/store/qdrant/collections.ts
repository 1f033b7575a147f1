/**
 * The collections behind one index name, and their meta points. `<alias>` is a Qdrant alias of
 * the live collection; the first collection is `<alias>.cw-1` (a fixed name, so parallel
 * runners racing to create it end up in one), rebuilds fill `<alias>.cw-<time>` and are
 * switched to in one alias update. An index made by an older cw is a plain collection named
 * `<alias>` itself, until its first rebuild.
 */
import { IndexMismatchError, ServiceError } from '../../errors.js';
import { describeMeta } from '../compatibility.js';
import type { BuildSettings, IndexMeta } from '../vector-store.js';
import type { QdrantCaller } from './caller.js';
import { isConflict, isNotFound } from './errors.js';
import { DENSE, LAYOUT_VERSION, LEXICAL, META_ID, type Payload } from './points.js';
import { quantizationChange, type QuantizationSetting } from './quantization.js';

/** The meta point as read: what the index was built with, when, and whether it is a rebuild not yet published. */
export type StoredMeta = IndexMeta & { created_at: string; last_indexed_at: string | null; building: boolean };

export interface LiveCollection {
  collection: string;
  /** false: a plain collection under the name (made by an older cw). */
  viaAlias: boolean;
}

export const FIRST_COLLECTION_SUFFIX = '.cw-1';

export function buildPrefix(alias: string): string {
  return `${alias}.cw-`;
}

/** The collection a named build (`--build ID`) fills: the same name on every shard's runner. */
export function namedBuild(alias: string, build: string): string {
  return `${alias}.cw-build-${build}`;
}

export class Collections {
  constructor(
    private readonly caller: QdrantCaller,
    readonly alias: string,
  ) {}

  /** What the alias points to; for an index made by an older cw, the plain collection of that name. */
  async resolveLive(): Promise<LiveCollection | null> {
    const { aliases } = await this.caller.call('get_aliases', (c) => c.getAliases());
    const found = aliases.find((a) => a.alias_name === this.alias);
    if (found) return { collection: found.collection_name, viaAlias: true };
    return (await this.exists(this.alias)) ? { collection: this.alias, viaAlias: false } : null;
  }

  /** Creates the alias; a runner that lost the race follows the alias the winner created. */
  async createAlias(collection: string): Promise<void> {
    try {
      await this.caller.call('update_aliases', (c) =>
        c.updateCollectionAliases({ actions: [{ create_alias: { alias_name: this.alias, collection_name: collection } }] }),
      );
    } catch (err) {
      if (!isConflict(err)) throw err;
      const live = await this.resolveLive();
      if (live?.viaAlias && live.collection === collection) return;
      throw new ServiceError(
        `qdrant: the alias "${this.alias}" was created for another collection (${live?.collection ?? 'none'}) by a concurrent run — rerun cw index`,
      );
    }
  }

  /** Points the alias at `build` in one request (Qdrant applies alias actions atomically), then drops the old collection. */
  async switchTo(build: string, live: LiveCollection | null): Promise<void> {
    if (live?.viaAlias) {
      await this.caller.call('update_aliases', (c) =>
        c.updateCollectionAliases({
          actions: [{ delete_alias: { alias_name: this.alias } }, { create_alias: { alias_name: this.alias, collection_name: build } }],
        }),
      );
      if (live.collection !== build) await this.caller.call('delete_collection', (c) => c.deleteCollection(live.collection));
      return;
    }
    // A plain collection under the name itself must go before the name can become an alias
    // (two requests; every later rebuild switches in one).
    if (live) await this.caller.call('delete_collection', (c) => c.deleteCollection(live.collection));
    await this.createAlias(build);
  }

  /** Collections named like rebuilds of this index (own or named builds), other than the live one. */
  async rebuilds(live: LiveCollection | null): Promise<string[]> {
    const { collections } = await this.caller.call('get_collections', (c) => c.getCollections());
    return collections.map((c) => c.name).filter((name) => name.startsWith(buildPrefix(this.alias)) && name !== live?.collection);
  }

  /** Named builds not live: shards of other runners may be filling them, so only `cw publish` and `cw clean` remove them. */
  async namedBuilds(live: LiveCollection | null): Promise<Array<{ build: string; collection: string }>> {
    const prefix = namedBuild(this.alias, '');
    return (await this.rebuilds(live)).filter((name) => name.startsWith(prefix)).map((collection) => ({ build: collection.slice(prefix.length), collection }));
  }

  async exists(name: string): Promise<boolean> {
    return this.caller.call('exists', (c) => c.collectionExists(name)).then((r) => r.exists);
  }

  /** Creates a payload index unless it exists (Qdrant answers an existing one with success). */
  async ensureIndex(name: string, field_name: string, field_schema: 'keyword' | 'integer'): Promise<void> {
    await this.caller.call('create_index', (c) => c.createPayloadIndex(name, { field_name, field_schema, wait: true }));
  }

  async deleteCollection(name: string): Promise<void> {
    await this.caller.call('delete_collection', (c) => c.deleteCollection(name));
  }

  /** Removes the alias, the live collection and every rebuild; resolves with what went. */
  async dropAll(): Promise<string[]> {
    const live = await this.resolveLive();
    const removed: string[] = [];
    if (live?.viaAlias) {
      await this.caller.call('update_aliases', (c) => c.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: this.alias } }] }));
      removed.push(`alias ${this.alias}`);
    }
    for (const name of [...(live ? [live.collection] : []), ...(await this.rebuilds(live))]) {
      await this.deleteCollection(name);
      removed.push(`collection ${name}`);
    }
    return removed;
  }

  /**
   * Brings the collection's quantization to the setting (store.quantization): Qdrant builds or
   * drops the int8 copy in the background, and searches stay exact meanwhile.
   */
  async alignQuantization(name: string, setting: QuantizationSetting): Promise<void> {
    const info = await this.caller.call('get_collection', (c) => c.getCollection(name));
    const change = quantizationChange(setting, info.config.quantization_config);
    if (change === null) return;
    await this.caller.call('update_collection', (c) => c.updateCollection(name, { quantization_config: change as never }));
  }

  /** A new collection with our vectors, payload indexes and meta point. */
  async create(name: string, meta: StoredMeta): Promise<void> {
    await this.caller.call('create_collection', (c) =>
      c.createCollection(name, {
        vectors: meta.dimensions ? { [DENSE]: { size: meta.dimensions, distance: 'Cosine' } } : {},
        sparse_vectors: { [LEXICAL]: { modifier: 'idf' } },
      }),
    );
    const indexes: Array<[string, 'keyword' | 'integer']> = [
      ['kind', 'keyword'],
      ['path', 'keyword'],
      ['dirs', 'keyword'],
      ['language', 'keyword'],
      ['content_hash', 'keyword'],
      ['file_hash', 'keyword'],
      ['path_key', 'integer'],
    ];
    for (const [field_name, field_schema] of indexes) await this.ensureIndex(name, field_name, field_schema);
    await this.writeMeta(name, meta);
  }

  /** A collection without our meta point (made by hand, or a crash mid-create) must still fit. */
  async assertLayout(name: string, meta: IndexMeta): Promise<void> {
    const info = await this.caller.call('get_collection', (c) => c.getCollection(name));
    const vectors = info.config.params.vectors as Record<string, { size?: number }> | undefined;
    const size = vectors?.[DENSE]?.size ?? null;
    const sparse = (info.config.params.sparse_vectors ?? {}) as Record<string, unknown>;
    if (size !== meta.dimensions || !(LEXICAL in sparse)) {
      throw new IndexMismatchError(
        `the Qdrant collection "${this.alias}" has ${size === null ? 'no' : `a ${size}-dim`} "${DENSE}" vector${LEXICAL in sparse ? '' : ` and no "${LEXICAL}" sparse vector`}, not the layout this run needs (${describeMeta(meta)}) — rerun with --full, or pick another --collection`,
      );
    }
  }

  async readMeta(collection: string): Promise<StoredMeta | null> {
    let p: Payload | null;
    try {
      const [point] = await this.caller.call('retrieve', (c) => c.retrieve(collection, { ids: [META_ID], with_payload: true, with_vector: false }), {
        missingOk: true,
      });
      p = (point?.payload as Payload | undefined) ?? null;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    if (!p || p.kind !== 'meta') return null;
    if (p.layout_version !== LAYOUT_VERSION) {
      throw new IndexMismatchError(
        `the Qdrant collection "${this.alias}" has layout version ${String(p.layout_version)}, this cw writes ${LAYOUT_VERSION} — rerun with --full`,
      );
    }
    return {
      provider: String(p.provider),
      model: String(p.model),
      dimensions: typeof p.dimensions === 'number' ? p.dimensions : null,
      created_at: String(p.created_at),
      last_indexed_at: typeof p.last_indexed_at === 'string' ? p.last_indexed_at : null,
      building: p.building === true,
      ...(p.build && typeof p.build === 'object' ? { build: p.build as BuildSettings } : {}),
    };
  }

  async writeMeta(collection: string, m: StoredMeta): Promise<void> {
    const point = {
      id: META_ID,
      vector: {},
      payload: {
        kind: 'meta',
        layout_version: LAYOUT_VERSION,
        provider: m.provider,
        model: m.model,
        dimensions: m.dimensions,
        created_at: m.created_at,
        last_indexed_at: m.last_indexed_at,
        building: m.building,
        build: m.build ?? null,
      },
    };
    await this.caller.call('upsert', (c) => c.upsert(collection, { wait: true, points: [point] as never }));
  }
}
