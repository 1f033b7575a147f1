/**
 * `cw mcp --http PORT`: the same tools over MCP's Streamable HTTP transport, for clients that
 * connect to a running server instead of launching one. Bound to 127.0.0.1 unless told
 * otherwise, and guarded against DNS rebinding: a web page the user visits could otherwise
 * reach a local port under a hostname the attacker controls, so the Host header must name this
 * server (an address, or localhost) and a browser's Origin, when sent, must be such a host too.
 *
 * Each client session gets its own protocol server over the one shared index session. Sessions
 * are bounded: one idle (no request open) for `idleTimeoutMs` is closed, as DELETE would close
 * it, and past `maxSessions` open at once a new client is refused with a line saying why. A
 * client that simply goes away (the common case) would otherwise keep its server, transport and
 * their buffers for the process's life: 1,500 abandoned sessions held +49-79 MiB.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createMcpServer, type McpServerOptions } from './server.js';

export interface HttpServeOptions extends McpServerOptions {
  host: string;
  port: number;
  /** Diagnostics (stderr). */
  onWarning?: (message: string) => void;
  /** Details (stderr, --verbose): sessions expiring. */
  onDebug?: (message: string) => void;
  /** A session with no request open for this long is closed (default DEFAULT_IDLE_TIMEOUT_MS). */
  idleTimeoutMs?: number;
  /** Sessions open at once; a new client past it is refused with 503 (default DEFAULT_MAX_SESSIONS). */
  maxSessions?: number;
}

/**
 * Half an hour: an agent's client keeps one session for a whole conversation, and a person may
 * leave it for a coffee; one that comes back to a closed session gets 404 and, as the protocol
 * says, initializes a new one.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60_000;
/** Far above the few clients one machine runs (each session costs ~20-50 KB while open). */
export const DEFAULT_MAX_SESSIONS = 100;

/** One client session: its transport, its protocol server, and what keeps it alive. */
interface ClientSession {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  /** Requests (and GET streams) in progress: a session is idle only at 0. */
  open: number;
  idle: NodeJS.Timeout | null;
}

export interface HttpServing {
  /** Where clients connect, e.g. http://127.0.0.1:7777/mcp */
  url: string;
  close(): Promise<void>;
}

/** Largest request body accepted (a tool call is a few hundred bytes). */
const MAX_BODY_BYTES = 1 << 20;
const PATH = '/mcp';

export async function serveHttp(options: HttpServeOptions): Promise<HttpServing> {
  const sessions = new Map<string, ClientSession>();
  /** Initializations under way: counted against the cap before their id exists. */
  let starting = 0;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  let allowedHosts: Set<string> = new Set();

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      options.onWarning?.(`mcp http: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) reply(res, 500, 'internal error');
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) return reply(res, 403, 'forbidden: unexpected Host header');
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, allowedHosts)) return reply(res, 403, 'forbidden: unexpected Origin');
    if (url.pathname !== PATH) return reply(res, 404, `not found: the MCP endpoint is ${PATH}`);

    const id = header(req, 'mcp-session-id');
    if (req.method === 'POST') {
      const body = await readJson(req);
      if (body === TOO_LARGE) return reply(res, 413, 'request too large');
      if (body === INVALID) return reply(res, 400, 'the body is not JSON');
      const known = id ? sessions.get(id) : undefined;
      if (known) return serve(known, req, res, body);
      if (id) return reply(res, 404, 'unknown session (closed, or idle too long): initialize a new one');
      if (!isInitializeRequest(body)) return reply(res, 400, 'no session: the first request must be initialize');
      if (sessions.size + starting >= maxSessions) {
        return reply(res, 503, `too many MCP sessions open (${maxSessions}): close unused ones (DELETE ${PATH}), wait for idle ones to expire, or raise --http-max-sessions`);
      }
      starting++;
      try {
        const session = await newSession();
        await serve(session, req, res, body);
        // Initialize refused (a malformed request): no id was given, nothing to keep.
        if (!session.transport.sessionId) await session.server.close().catch(() => {});
      } finally {
        starting--;
      }
      return;
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      const known = id ? sessions.get(id) : undefined;
      if (!known) return reply(res, id ? 404 : 400, id ? 'unknown session (closed, or idle too long)' : 'no session id');
      return serve(known, req, res);
    }
    res.setHeader('allow', 'GET, POST, DELETE');
    reply(res, 405, 'method not allowed');
  }

  /** One request of a session: it is busy until the response ends, however it ends. */
  async function serve(session: ClientSession, req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    session.open++;
    if (session.idle) clearTimeout(session.idle);
    session.idle = null;
    res.once('close', () => {
      session.open--;
      if (session.open === 0 && sessions.has(session.transport.sessionId ?? '')) {
        session.idle = setTimeout(() => {
          options.onDebug?.(`mcp http: session ${session.transport.sessionId} closed after ${idleTimeoutMs / 1000} s idle`);
          void drop(session);
        }, idleTimeoutMs);
        session.idle.unref();
      }
    });
    await session.transport.handleRequest(req, res, body);
  }

  async function newSession(): Promise<ClientSession> {
    const server = createMcpServer(options);
    const session: ClientSession = {
      server,
      open: 0,
      idle: null,
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => {
          sessions.set(sid, session);
        },
        // DELETE: the transport closes itself; its server and timer go with it.
        onsessionclosed: () => void drop(session),
      }),
    };
    session.transport.onclose = () => void drop(session);
    await server.connect(session.transport);
    return session;
  }

  /** Forgets a session and closes its server (and so its transport); safe to call twice. */
  async function drop(session: ClientSession): Promise<void> {
    const sid = session.transport.sessionId;
    if (!sid || sessions.get(sid) !== session) return;
    sessions.delete(sid);
    if (session.idle) clearTimeout(session.idle);
    session.idle = null;
    await session.server.close().catch(() => {});
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  allowedHosts = hostsFor(options.host, address.port);
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}${PATH}`,
    close: async () => {
      for (const session of [...sessions.values()]) await drop(session);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

/** The Host values that name this server: its address and localhost, with the port. */
function hostsFor(host: string, port: number): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  if (host !== '0.0.0.0' && host !== '::') names.add(host.includes(':') ? `[${host}]` : host);
  return new Set([...names].map((n) => `${n.toLowerCase()}:${port}`));
}

function originAllowed(origin: string, hosts: ReadonlySet<string>): boolean {
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && hosts.has(u.host.toLowerCase());
  } catch {
    return false;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const TOO_LARGE = Symbol('too large');
const INVALID = Symbol('invalid');

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return TOO_LARGE;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return INVALID;
  }
}

function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}
