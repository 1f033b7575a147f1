import { Command } from 'commander';
import { formatStatus, statusDocument } from '../format.js';
import { addCommonOptions, addStoreOptions, configFlags, type OverrideOptions } from '../options.js';
import { withSession } from '../runtime.js';

export function statusCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('status')
    .description('show what is indexed, with which provider/model and when')
    .argument('[path]', 'repository (default: the one around the working directory)');
  addStoreOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (rootArg: string | undefined, opts: OverrideOptions) =>
    setExit(
      await withSession(rootArg, opts, configFlags(opts), async ({ out, session }) => {
        const status = await session.status();
        const store = await session.openReader();
        const doc = statusDocument(status, store.location, store.kind);
        out.result(doc);
        out.print(formatStatus(doc));
        return 0;
      }),
    ),
  );
}
