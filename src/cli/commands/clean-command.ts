import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../exit-codes.js';
import { addCommonOptions, addStoreOptions, configFlags, type OverrideOptions } from '../options.js';
import { withSession } from '../runtime.js';

interface CleanOptions extends OverrideOptions {
  yes?: boolean;
}

export function cleanCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('clean')
    .description('remove the index, to start over: the embedded index file, or (--store qdrant) the collection')
    .argument('[path]', 'repository (default: the one around the working directory)')
    .option('-y, --yes', 'remove a Qdrant collection without asking (required when not on a terminal)');
  addStoreOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (rootArg: string | undefined, opts: CleanOptions) =>
    setExit(
      await withSession(rootArg, opts, configFlags(opts), async ({ out, session }) => {
        const store = await session.openStore();
        // A shared index is other people's too: removing it is confirmed.
        if (store.shared && !opts.yes) {
          if (!process.stdin.isTTY || !process.stderr.isTTY || opts.json) {
            throw new UsageError(`cw clean would delete the Qdrant index ${store.location} — rerun with --yes to confirm`);
          }
          const rl = createInterface({ input: process.stdin, output: process.stderr });
          const answer = await rl.question(`delete the Qdrant index ${store.location}? [y/N] `).finally(() => rl.close());
          if (!/^y(es)?$/i.test(answer.trim())) {
            out.info('nothing removed');
            return ExitCode.Ok;
          }
        }
        const removed = await session.clean();
        out.result({ removed, location: store.location, store: store.kind });
        out.print(removed.length === 0 ? `no index at ${store.location} — nothing to remove` : `removed ${removed.join(', ')}`);
        return ExitCode.Ok;
      }),
    ),
  );
}
