import { Command } from 'commander';
import { ExitCode, UsageError } from '../../errors.js';
import { addStoreOptions, configFlags, type OverrideOptions } from '../options.js';
import { refuseBroadRoot, withSession } from '../runtime.js';
import { version } from '../version.js';
import { reportWatchEvent } from './watch-report.js';

interface McpOptions extends OverrideOptions {
  watch?: boolean;
  http?: string;
  host?: string;
}

export function mcpCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('mcp')
    .description('serve the index to AI agents over MCP (stdio): tools search_code, index_status, refresh_index')
    .argument('[path]', 'repository to serve (default: the one around the working directory)')
    .option('--watch', 'keep the index up to date while serving (as cw watch does)')
    .option('--http <port>', 'serve MCP over Streamable HTTP on this port (0: any free one) instead of stdio')
    .option('--host <address>', 'with --http: the address to listen on', '127.0.0.1')
    .option('-q, --quiet', 'print errors only (on stderr)')
    .option('-v, --verbose', 'print details on stderr')
    .option('-c, --config <file>', 'use this configuration file instead of searching for one');
  addStoreOptions(cmd);
  cmd.addHelpText(
    'after',
    '\nstdio: stdout carries only protocol messages; diagnostics go to stderr. The server ends when the client closes stdin (exit 0) or on SIGINT/SIGTERM (exit 130).\n--http: the endpoint is http://HOST:PORT/mcp, printed on stderr; requests must name this server in Host (and Origin, if any). SIGINT/SIGTERM end it (exit 130).',
  );
  return cmd.action(async (rootArg: string | undefined, opts: McpOptions) =>
    setExit(
      // --json is never set here: nothing but the protocol may reach stdout.
      await withSession(rootArg, { ...opts, json: false }, configFlags(opts), async ({ out, session }) => {
        refuseBroadRoot('mcp', session.root);
        // The SDK, its validators and the watcher load only for this command.
        const [{ StdioServerTransport }, { createMcpServer }, { Watcher }] = await Promise.all([
          import('@modelcontextprotocol/sdk/server/stdio.js'),
          import('../../mcp/server.js'),
          import('../../watch/watcher.js'),
        ]);
        const stop = new AbortController();
        let watching = false;
        let watcherDone: Promise<void> = Promise.resolve();
        if (opts.watch) {
          watching = true;
          const watcher = new Watcher({
            session,
            debounceMs: session.config.watch.debounce_ms,
            signal: stop.signal,
            onEvent: (event) => reportWatchEvent(out, event),
          });
          // A watcher that cannot go on (a refused key) ends watching, not the server: searches still work.
          watcherDone = watcher.run().catch((err: unknown) => {
            out.error(`watching stopped: ${err instanceof Error ? err.message : String(err)}`);
          }).finally(() => {
            watching = false;
          });
        }
        const serverOptions = { session, version: version(), watching: () => watching };
        if (opts.http !== undefined) {
          const port = parsePort(opts.http);
          const { serveHttp } = await import('../../mcp/http.js');
          const serving = await serveHttp({ ...serverOptions, host: opts.host ?? '127.0.0.1', port, onWarning: (m) => out.warn(m) });
          // The one line a launcher or script reads to find the server (stderr: stdout stays quiet).
          process.stderr.write(`cw mcp: listening on ${serving.url}\n`);
          if (opts.host && !['127.0.0.1', 'localhost', '::1'].includes(opts.host)) {
            out.warn(`--host ${opts.host}: the index is reachable from other machines, without authentication`);
          }
          await new Promise<void>((resolve) => {
            for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
          });
          stop.abort();
          await watcherDone;
          await serving.close();
          return ExitCode.Interrupted;
        }
        const server = createMcpServer(serverOptions);
        const transport = new StdioServerTransport();
        const ended = new Promise<number>((resolve) => {
          // The client closing stdin is the normal end of a stdio server.
          process.stdin.once('end', () => resolve(ExitCode.Ok));
          process.stdin.once('close', () => resolve(ExitCode.Ok));
          transport.onclose = () => resolve(ExitCode.Ok);
          for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(ExitCode.Interrupted));
        });
        await server.connect(transport);
        out.debug(`serving ${session.root} over MCP (stdio)${opts.watch ? ', watching for changes' : ''}`);
        const code = await ended;
        stop.abort();
        await watcherDone;
        await server.close().catch(() => {});
        return code;
      }),
    ),
  );
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--http: expected a port number from 0 to 65535, got "${value}"`);
  return port;
}
