import { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { Shutdown } from '../lifecycle.js';
import { addCommonOptions, addEmbeddingOptions, addStoreOptions, configFlags, type OverrideOptions } from '../options.js';
import { refuseBroadRoot, refuseNestedIndex, withSession } from '../runtime.js';
import { reportWatchEvent } from './watch-report.js';

export function watchCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('watch')
    .description('keep the index in step with the working tree: index what changed, as it changes, until stopped (Ctrl-C)')
    .argument('[path]', 'repository to watch (default: the one around the working directory)')
    .option('--here', 'watch (and index) this directory on its own even though a parent directory holds an index (refused otherwise)');
  addEmbeddingOptions(cmd);
  addStoreOptions(cmd);
  addCommonOptions(cmd);
  cmd.addHelpText('after', '\n--json prints one JSON document per line: {"type":"indexed"|"retrying"|"watching"|"warning"|"indexing"|"config", …}.');
  return cmd.action(async (rootArg: string | undefined, opts: OverrideOptions & { here?: boolean }) =>
    setExit(
      await withSession(rootArg, opts, configFlags(opts), async ({ out, session, graceMs }) => {
        refuseBroadRoot('watch', session.root);
        refuseNestedIndex('watch', session.root, opts.here);
        const { Watcher } = await import('../../watch/watcher.js'); // the native watcher loads only here
        const shutdown = new Shutdown({
          graceMs,
          onFirstSignal: (signal) => out.info(`${signal}: stopping after the batch in progress (Ctrl-C again to stop now)`),
          onForce: () => session.destroyConnections(),
        }).install();
        const watcher = new Watcher({
          session,
          signal: shutdown.signal,
          forceSignal: shutdown.forceSignal,
          onEvent: (event) => reportWatchEvent(out, event),
        });
        try {
          await watcher.run();
          out.stopProgress();
          return shutdown.interrupted ? ExitCode.Interrupted : ExitCode.Ok;
        } catch (err) {
          out.stopProgress();
          if (shutdown.interrupted) return ExitCode.Interrupted;
          throw err;
        } finally {
          shutdown.dispose();
        }
      }),
    ),
  );
}
