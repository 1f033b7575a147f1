/**
 * The loopback HTTP server: every request is matched to an operation of Qdrant's OpenAPI
 * description, validated (violations are recorded, never silently accepted), then optionally
 * failed on purpose, authenticated, and finally answered with in-memory semantics in Qdrant's
 * response envelope `{ result, status: "ok", time }`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Collection } from './collection.js';
import { notImplemented, QdrantHttpError } from './errors.js';
import { FaultPlan, type RequestPredicate } from './faults.js';
import { createHandlers, OPERATION_KIND } from './handlers.js';
import { qdrantSpec } from './openapi.js';

export interface QdrantDoubleOptions {
  /** When set, requests without header `api-key: <key>` get 401 (GET / stays open, as in Qdrant). */
  apiKey?: string;
  /** Serve the API below this path (like Qdrant behind a reverse proxy), e.g. "/qdrant"; `url` then ends with it. */
  prefix?: string;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Raw query string without '?', '' when none (e.g. "wait=true"). */
  query: string;
  body: unknown;
  status: number;
}

export interface Violation {
  method: string;
  path: string;
  errors: string;
}

export interface StoredPointView {
  id: string;
  vector: Record<string, any>;
  payload: Record<string, any>;
}

export interface QdrantDouble {
  url: string;
  /** `path` is the API path, with any configured prefix already stripped. */
  readonly requests: RecordedRequest[];
  /** Requests a real Qdrant would reject (schema, vector size/name), unknown paths, and operations the double does not implement. */
  readonly violations: Violation[];
  failNext(n: number, status: number, match?: RequestPredicate): void;
  /**
   * Called before each request is answered (after it is recorded); the answer waits for the
   * returned promise. Tests hold a request here, e.g. to kill the client at that very point;
   * a rejected promise drops the request unapplied (the client died before it was sent).
   */
  beforeAnswer: ((req: RecordedRequest) => Promise<void> | void) | null;
  /** Alias name → collection name. */
  aliases(): Map<string, string>;
  /** Drops every collection and alias, as a Qdrant restarted without storage would. */
  wipe(): void;
  collection(name: string): { config: any; points: Map<string, StoredPointView>; payloadIndexes: Record<string, any> } | undefined;
  counts(): Record<string, number>;
  close(): Promise<void>;
}

const HANDLER_FREE_PATHS = new Set(['/']);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startQdrantDouble(options: QdrantDoubleOptions = {}): Promise<QdrantDouble> {
  const spec = qdrantSpec();
  const collections = new Map<string, Collection>();
  const aliases = new Map<string, string>();
  const handlers = createHandlers(collections, aliases);
  const faults = new FaultPlan();
  const requests: RecordedRequest[] = [];
  const violations: Violation[] = [];
  const counts: Record<string, number> = {};
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  // Filled in once the server listens; handlers read `beforeAnswer` from it.
  const double = { beforeAnswer: null } as unknown as QdrantDouble;
  if (prefix && !prefix.startsWith('/')) throw new RangeError(`prefix must start with "/", got "${options.prefix}"`);

  const send = (res: ServerResponse, status: number, payload: unknown) => {
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const errorBody = (message: string, started: number) => ({ status: { error: message }, time: (performance.now() - started) / 1000 });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://double');
    const underPrefix = url.pathname === prefix || url.pathname.startsWith(prefix + '/');
    const path = prefix && underPrefix ? url.pathname.slice(prefix.length) || '/' : url.pathname;
    const text = await readBody(req);
    const entry: RecordedRequest = { method, path, query: url.search.slice(1), body: undefined, status: 0 };
    requests.push(entry);
    const reply = (status: number, payload: unknown) => {
      entry.status = status;
      send(res, status, payload);
    };
    const violation = (errors: string) => violations.push({ method, path, errors });

    // 1. Parse and validate, recording problems even when a fault or auth answers first.
    let body: unknown;
    let bodyError: string | undefined;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch (e) {
        bodyError = `Format error in JSON body: ${(e as Error).message}`;
      }
      const type = req.headers['content-type'] ?? '';
      if (!bodyError && !type.includes('application/json')) bodyError = `Content type error: expected application/json, got "${type}"`;
    }
    entry.body = body ?? (text.length > 0 ? text : undefined);
    const matched = underPrefix ? spec.match(method, path) : undefined;
    const kind = matched ? (OPERATION_KIND[matched.operation.operationId] ?? matched.operation.operationId) : 'unknown';
    counts[kind] = (counts[kind] ?? 0) + 1;
    let invalid: { status: number; message: string } | undefined;
    if (!matched) invalid = { status: 404, message: `Not found: no operation for ${method} ${path} in Qdrant's API` };
    else if (bodyError) invalid = { status: 400, message: bodyError };
    else {
      const result = spec.validateRequest(matched, url.searchParams, body, text.length > 0);
      if (!result.ok) invalid = { status: 400, message: `Validation error in request: ${result.errors}` };
    }
    if (invalid) violation(invalid.message);

    if (double.beforeAnswer) {
      try {
        await double.beforeAnswer(entry);
      } catch {
        // The hook dropped the request: never applied, never answered (as if it was never sent).
        entry.status = -1;
        res.destroy();
        return;
      }
    }
    // 2. Injected faults, 3. authentication.
    const injected = faults.take(method, path);
    if (injected !== undefined) return reply(injected, errorBody(`Injected failure ${injected} (Qdrant test double)`, started));
    if (options.apiKey !== undefined && !(method === 'GET' && HANDLER_FREE_PATHS.has(path))) {
      const given = req.headers['api-key'];
      if (given === undefined) return reply(401, errorBody('Must provide an API key or an Authorization bearer token', started));
      if (given !== options.apiKey) return reply(401, errorBody('Invalid API key or JWT', started));
    }
    if (invalid) return reply(invalid.status, errorBody(invalid.message, started));

    // 4. Semantics.
    const { operation, params } = matched!;
    try {
      const handler = handlers[operation.operationId];
      if (!handler) throw notImplemented(`${operation.operationId} (${method} ${operation.template})`);
      const result = handler({ params, query: url.searchParams, body });
      const time = (performance.now() - started) / 1000;
      const answer = operation.operationId === 'root' ? result : { result, status: 'ok', time };
      const check = spec.validateResponse(operation, answer);
      if (!check.ok) violation(`the double answered outside the documented shape: ${check.errors}`);
      return reply(200, answer);
    } catch (e) {
      if (!(e instanceof QdrantHttpError)) throw e;
      if (e.invalidRequest) violation(e.message);
      return reply(e.status, errorBody(e.message, started));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      violations.push({ method: req.method ?? '?', path: req.url ?? '?', errors: `double crashed: ${(e as Error).stack ?? String(e)}` });
      if (!res.headersSent) send(res, 500, { status: { error: `Service internal error: ${(e as Error).message}` }, time: 0 });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  Object.assign(double, {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    violations,
    failNext: (n, status, match) => faults.add(n, status, match),
    collection: (name: string) => {
      const c = collections.get(name) ?? collections.get(aliases.get(name) ?? '');
      return c && { config: c.config, points: c.points, payloadIndexes: c.payloadIndexes };
    },
    aliases: () => new Map(aliases),
    wipe: () => {
      collections.clear();
      aliases.clear();
    },
    counts: () => ({ ...counts }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // The client keeps connections alive; without this close() would wait for them to idle out.
        server.closeAllConnections();
      }),
  } satisfies Omit<QdrantDouble, 'beforeAnswer'>);
  return double;
}
