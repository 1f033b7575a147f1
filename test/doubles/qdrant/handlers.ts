/**
 * Operation handlers by OpenAPI operationId: each takes the validated request and returns the
 * `result` Qdrant would put in its answer (or throws a QdrantHttpError).
 */
import { Collection } from './collection.js';
import { notFoundCollection, QdrantHttpError } from './errors.js';

type Json = any;

export interface HandlerInput {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Json;
}

export type Handler = (input: HandlerInput) => Json;

export const VERSION_INFO = { title: 'qdrant - vector search engine', version: '1.19.0' };

/** Short names used by `counts()`; operations not listed count under their operationId. */
export const OPERATION_KIND: Record<string, string> = {
  root: 'root',
  get_collections: 'get_collections',
  get_collection: 'get_collection',
  create_collection: 'create_collection',
  update_collection: 'update_collection',
  delete_collection: 'delete_collection',
  collection_exists: 'collection_exists',
  create_field_index: 'create_index',
  upsert_points: 'upsert',
  delete_points: 'delete',
  get_points: 'retrieve',
  scroll_points: 'scroll',
  count_points: 'count',
  query_points: 'query',
  update_aliases: 'update_aliases',
  get_collections_aliases: 'get_aliases',
  get_collection_aliases: 'get_collection_aliases',
};

/** Qdrant's `wait` defaults to false: the write is acknowledged, not awaited. */
const waitOf = (query: URLSearchParams) => query.get('wait') === 'true';

/**
 * Aliases as Qdrant keeps them: alias name → collection name. Point and collection operations
 * resolve an alias to its collection; `update_aliases` applies all its actions or none.
 */
export type Aliases = Map<string, string>;

export function createHandlers(collections: Map<string, Collection>, aliases: Aliases = new Map()): Record<string, Handler> {
  const existing = (name: string): Collection => {
    const c = collections.get(name) ?? collections.get(aliases.get(name) ?? '');
    if (!c) throw notFoundCollection(name);
    return c;
  };
  const describeAliases = (only?: string) => ({
    aliases: [...aliases]
      .filter(([, target]) => only === undefined || target === only)
      .map(([alias_name, collection_name]) => ({ alias_name, collection_name })),
  });
  return {
    root: () => VERSION_INFO,
    get_collections: () => ({ collections: [...collections.keys()].map((name) => ({ name })) }),
    get_collection: ({ params }) => existing(params.collection_name).info(),
    collection_exists: ({ params }) => ({ exists: collections.has(params.collection_name) }),
    update_collection: ({ params, body }) => existing(params.collection_name).update(body),
    create_collection: ({ params, body }) => {
      const name = params.collection_name;
      if (collections.has(name)) throw new QdrantHttpError(409, `Wrong input: Collection \`${name}\` already exists!`, false);
      if (aliases.has(name)) throw new QdrantHttpError(409, `Wrong input: Alias \`${name}\` already exists!`, false);
      collections.set(name, new Collection(name, structuredClone(body)));
      return true;
    },
    delete_collection: ({ params }) => {
      const name = params.collection_name;
      for (const [alias, target] of aliases) if (target === name) aliases.delete(alias);
      return collections.delete(name);
    },
    update_aliases: ({ body }) => {
      // Validated and applied on a copy, then swapped in: all actions or none.
      const next = new Map(aliases);
      for (const action of body.actions as any[]) {
        if (action.create_alias) {
          const { collection_name, alias_name } = action.create_alias;
          if (!collections.has(collection_name)) throw notFoundCollection(collection_name);
          if (collections.has(alias_name)) throw new QdrantHttpError(409, `Wrong input: Collection \`${alias_name}\` already exists!`, false);
          if (next.has(alias_name)) throw new QdrantHttpError(409, `Wrong input: Alias \`${alias_name}\` already exists!`, false);
          next.set(alias_name, collection_name);
        } else if (action.delete_alias) {
          const { alias_name } = action.delete_alias;
          if (!next.delete(alias_name)) throw new QdrantHttpError(404, `Not found: Alias \`${alias_name}\` doesn't exist!`, false);
        } else if (action.rename_alias) {
          const { old_alias_name, new_alias_name } = action.rename_alias;
          const target = next.get(old_alias_name);
          if (target === undefined) throw new QdrantHttpError(404, `Not found: Alias \`${old_alias_name}\` doesn't exist!`, false);
          next.delete(old_alias_name);
          next.set(new_alias_name, target);
        }
      }
      aliases.clear();
      for (const [k, v] of next) aliases.set(k, v);
      return true;
    },
    get_collections_aliases: () => describeAliases(),
    get_collection_aliases: ({ params }) => {
      existing(params.collection_name);
      return describeAliases(params.collection_name);
    },
    create_field_index: ({ params, query, body }) => existing(params.collection_name).createPayloadIndex(body, waitOf(query)),
    upsert_points: ({ params, query, body }) => existing(params.collection_name).upsert(body, waitOf(query)),
    delete_points: ({ params, query, body }) => existing(params.collection_name).delete(body, waitOf(query)),
    get_points: ({ params, body }) => existing(params.collection_name).retrieve(body),
    scroll_points: ({ params, body }) => existing(params.collection_name).scroll(body),
    count_points: ({ params, body }) => existing(params.collection_name).count(body),
    query_points: ({ params, body }) => existing(params.collection_name).query(body),
  };
}
