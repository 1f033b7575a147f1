/**
 * `cw mcp --http PORT`: the same tools over MCP's Streamable HTTP transport, for clients that
 * connect to a running server instead of launching one. Bound to 127.0.0.1 unless told
 * otherwise, and guarded against DNS rebinding: a web page the user visits could otherwise
 * reach a local port under a hostname the attacker controls, so the Host header must name this
 * server (an address, or localhost) and a browser's Origin, when sent, must be such a host too.
 *
 * Each client session gets its own protocol server over the one shared index session.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { createMcpServer, type McpServerOptions } from './server.js';

export interface HttpServeOptions extends McpServerOptions {
  host: string;
  port: number;
  /** Diagnostics (stderr). */
  onWarning?: (message: string) => void;
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
  const sessions = new Map<string, StreamableHTTPServerTransport>();
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
      let transport = id ? sessions.get(id) : undefined;
      if (!transport) {
        if (id) return reply(res, 404, 'unknown session: initialize a new one');
        if (!isInitializeRequest(body)) return reply(res, 400, 'no session: the first request must be initialize');
        transport = newSession();
        await createMcpServer(options).connect(transport);
      }
      await transport.handleRequest(req, res, body);
      return;
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      const transport = id ? sessions.get(id) : undefined;
      if (!transport) return reply(res, id ? 404 : 400, id ? 'unknown session' : 'no session id');
      await transport.handleRequest(req, res);
      return;
    }
    res.setHeader('allow', 'GET, POST, DELETE');
    reply(res, 405, 'method not allowed');
  }

  function newSession(): StreamableHTTPServerTransport {
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => {
        sessions.set(sid, transport);
      },
      onsessionclosed: (sid) => {
        sessions.delete(sid);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    return transport;
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
      for (const transport of sessions.values()) await transport.close().catch(() => {});
      sessions.clear();
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
