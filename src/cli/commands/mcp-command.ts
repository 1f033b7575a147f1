import { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../exit-codes.js';
import { claimSignals } from '../signals.js';
import { isLoopbackHost } from '../../http/loopback.js';
import { addStoreOptions, configFlags, type OverrideOptions } from '../options.js';
import type { Output } from '../output.js';
import { refuseBroadRoot, withSession } from '../runtime.js';
import type { Session } from '../../session/session.js';
import { version } from '../../version.js';
import { reportWatchEvent } from './watch-report.js';
import { mcpInstallCommand } from './mcp-install-command.js';
import type { WatchState } from '../../watch/watcher.js';

interface McpOptions extends OverrideOptions {
  watch?: boolean;
  http?: string;
  host?: string;
  httpIdleTimeout?: string;
  httpMaxSessions?: string;
}

export function mcpCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('mcp')
    .description('serve the index to AI agents over MCP (stdio): tools search_code, find_symbol, grep_code, read_code, index_status, refresh_index; cw mcp install registers it with a client')
    .argument('[path]', 'repository to serve (default: the one around the working directory)')
    .option('--watch', 'keep the index up to date while serving (as cw watch does)')
    .option('--http <port>', 'serve MCP over Streamable HTTP on this port (0: any free one) instead of stdio')
    .option('--host <address>', 'with --http: the address to listen on', '127.0.0.1')
    .option('--http-idle-timeout <seconds>', 'with --http: close a client session after this long without a request (default 1800)')
    .option('--http-max-sessions <n>', 'with --http: client sessions open at once; past it a new client is refused (default 100)')
    .option('-q, --quiet', 'print errors only (on stderr)')
    .option('-v, --verbose', 'print details on stderr')
    .option('-c, --config <file>', 'use this configuration file instead of searching for one');
  addStoreOptions(cmd);
  cmd.addCommand(mcpInstallCommand(setExit));
  cmd.addHelpText(
    'after',
    '\nstdio: stdout carries only protocol messages; diagnostics go to stderr. The server ends when the client closes stdin (exit 0) or on SIGINT/SIGTERM (exit 130).\n--http: the endpoint is http://HOST:PORT/mcp, printed on stderr; requests must name this server in Host (and Origin, if any). SIGINT/SIGTERM end it (exit 130). A client session idle for --http-idle-timeout seconds is closed (the client then gets 404 and initializes a new one); past --http-max-sessions open sessions a new client gets 503.',
  );
  return cmd.action(async (rootArg: string | undefined, opts: McpOptions) => {
    const port = opts.http === undefined ? null : parsePort(opts.http);
    const limits = {
      ...(opts.httpIdleTimeout === undefined ? {} : { idleTimeoutMs: positive('--http-idle-timeout', opts.httpIdleTimeout, false) * 1000 }),
      ...(opts.httpMaxSessions === undefined ? {} : { maxSessions: positive('--http-max-sessions', opts.httpMaxSessions, true) }),
    };
    setExit(
      // --json is never set here: nothing but the protocol may reach stdout.
      await withSession(rootArg, { ...opts, json: false }, configFlags(opts), async ({ out, session }) => {
        refuseBroadRoot('mcp', session.root);
        const stop = new AbortController();
        const watch = opts.watch ? await startWatching(out, session, stop.signal) : null;
        const serverOptions = { session, version: version(), watchState: () => watch?.state() ?? ('off' as const) };
        try {
          return port === null ? await serveStdio(out, serverOptions) : await serveHttp(out, { ...serverOptions, ...limits }, opts.host ?? '127.0.0.1', port);
        } finally {
          stop.abort();
          await watch?.done;
        }
      }),
    );
  });
}

type ServerOptions = import('../../mcp/server.js').McpServerOptions;

/** The watcher beside the server; one that cannot go on (a refused key) ends watching, not serving. */
async function startWatching(out: Output, session: Session, signal: AbortSignal): Promise<{ state(): WatchState; done: Promise<void> }> {
  const { Watcher } = await import('../../watch/watcher.js');
  const watcher = new Watcher({ session, signal, onEvent: (e) => reportWatchEvent(out, e) });
  const done = watcher.run().catch((err: unknown) => out.error(`watching stopped: ${err instanceof Error ? err.message : String(err)}`));
  return { state: () => watcher.state, done };
}

/** stdio: ends when the client closes stdin (exit 0) or on a signal (130). */
async function serveStdio(out: Output, options: ServerOptions): Promise<number> {
  // The SDK and its validators load only for this command.
  const [{ SerialStdioServerTransport }, { createMcpServer }] = await Promise.all([import('../../mcp/stdio-transport.js'), import('../../mcp/server.js')]);
  const server = createMcpServer(options);
  const transport = new SerialStdioServerTransport();
  let release = (): void => {};
  const ended = new Promise<number>((resolve) => {
    // The client closing stdin is the normal end of a stdio server (the SDK does not watch for it).
    process.stdin.once('end', () => resolve(ExitCode.Ok));
    process.stdin.once('close', () => resolve(ExitCode.Ok));
    transport.onclose = () => resolve(ExitCode.Ok);
    release = claimSignals(() => resolve(ExitCode.Interrupted));
  });
  await server.connect(transport);
  out.debug(`serving ${options.session.root} over MCP (stdio)`);
  const code = await ended;
  await server.close().catch(() => {});
  release();
  return code;
}

/** Streamable HTTP: runs until a signal (130). */
async function serveHttp(out: Output, options: ServerOptions & { idleTimeoutMs?: number; maxSessions?: number }, host: string, port: number): Promise<number> {
  const { serveHttp: listen } = await import('../../mcp/http.js');
  const serving = await listen({ ...options, host, port, onWarning: (m) => out.warn(m), onDebug: (m) => out.debug(m) });
  // The one line a launcher or script reads to find the server (stderr: stdout stays quiet).
  process.stderr.write(`cw mcp: listening on ${serving.url}\n`);
  if (!isLoopbackHost(host)) out.warn(`--host ${host}: the index is reachable from other machines, without authentication`);
  let release = (): void => {};
  await new Promise<void>((resolve) => {
    release = claimSignals(() => resolve());
  });
  await serving.close();
  release();
  return ExitCode.Interrupted;
}

function positive(flag: string, value: string, whole: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (whole && !Number.isInteger(n))) {
    throw new UsageError(`${flag}: expected ${whole ? 'a whole number' : 'a number of seconds'} above 0, got "${value}"`);
  }
  return n;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--http: expected a port number from 0 to 65535, got "${value}"`);
  return port;
}
