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
  delete_collection: 'delete_collection',
  collection_exists: 'collection_exists',
  create_field_index: 'create_index',
  upsert_points: 'upsert',
  delete_points: 'delete',
  get_points: 'retrieve',
  scroll_points: 'scroll',
  count_points: 'count',
  query_points: 'query',
};

/** Qdrant's `wait` defaults to false: the write is acknowledged, not awaited. */
const waitOf = (query: URLSearchParams) => query.get('wait') === 'true';

export function createHandlers(collections: Map<string, Collection>): Record<string, Handler> {
  const existing = (name: string): Collection => {
    const c = collections.get(name);
    if (!c) throw notFoundCollection(name);
    return c;
  };
  return {
    root: () => VERSION_INFO,
    get_collections: () => ({ collections: [...collections.keys()].map((name) => ({ name })) }),
    get_collection: ({ params }) => existing(params.collection_name).info(),
    collection_exists: ({ params }) => ({ exists: collections.has(params.collection_name) }),
    create_collection: ({ params, body }) => {
      const name = params.collection_name;
      if (collections.has(name)) throw new QdrantHttpError(409, `Wrong input: Collection \`${name}\` already exists!`, false);
      collections.set(name, new Collection(name, structuredClone(body)));
      return true;
    },
    delete_collection: ({ params }) => collections.delete(params.collection_name),
    create_field_index: ({ params, query, body }) => existing(params.collection_name).createPayloadIndex(body, waitOf(query)),
    upsert_points: ({ params, query, body }) => existing(params.collection_name).upsert(body, waitOf(query)),
    delete_points: ({ params, query, body }) => existing(params.collection_name).delete(body, waitOf(query)),
    get_points: ({ params, body }) => existing(params.collection_name).retrieve(body),
    scroll_points: ({ params, body }) => existing(params.collection_name).scroll(body),
    count_points: ({ params, body }) => existing(params.collection_name).count(body),
    query_points: ({ params, body }) => existing(params.collection_name).query(body),
  };
}
