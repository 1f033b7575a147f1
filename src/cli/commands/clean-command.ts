import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../exit-codes.js';
import { fmt } from '../progress.js';
import { addCommonOptions, addStoreOptions, configFlags, type OverrideOptions } from '../options.js';
import { withSession } from '../runtime.js';

interface CleanOptions extends OverrideOptions {
  yes?: boolean;
}

export function cleanCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('clean')
    .description('remove the index, to start over: the embedded index file, or (--store qdrant) the collection')
    .argument('[path]', 'repository (default: the one around the working directory)')
    .option('-y, --yes', 'remove without asking an index that holds embedded vectors or is shared (Qdrant); required when not on a terminal');
  addStoreOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (rootArg: string | undefined, opts: CleanOptions) =>
    setExit(
      await withSession(rootArg, opts, configFlags(opts), async ({ out, session }) => {
        const store = await session.openStore();
        // What would be lost that cannot be had back for free is confirmed: a shared index is
        // other people's too, and stored vectors were paid for (a lexical index is rebuilt
        // offline in seconds, so it is removed without asking).
        const status = store.shared ? null : await session.status().catch(() => null);
        const paid = status && status.vectors > 0 ? `${fmt(status.vectors)} embedded vectors (${status.meta?.provider}/${status.meta?.model}) in ` : '';
        const what = store.shared ? `the Qdrant index ${store.location}` : `${paid}the index ${store.location}`;
        if ((store.shared || paid) && !opts.yes) {
          if (!process.stdin.isTTY || !process.stderr.isTTY || opts.json) {
            throw new UsageError(`cw clean would delete ${what} — rerun with --yes to confirm`);
          }
          const rl = createInterface({ input: process.stdin, output: process.stderr });
          const answer = await rl.question(`delete ${what}? [y/N] `).finally(() => rl.close());
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
