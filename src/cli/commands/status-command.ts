import { Command } from 'commander';
import { formatStatus, statusDocument } from '../format.js';
import { addCommonOptions, addStoreOptions, configFlags, type OverrideOptions } from '../options.js';
import { refuseBroadRoot, withSession } from '../runtime.js';

interface StatusOptions extends OverrideOptions {
  checkChanges?: boolean;
}

export function statusCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('status')
    .description('show what is indexed, with which provider/model and when, and what changed since the last run')
    .argument('[path]', 'repository (default: the one around the working directory)')
    .option('--no-check-changes', 'skip counting the files changed since the last run (a dry run: a stat per file where the store keeps stat data)');
  addStoreOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (rootArg: string | undefined, opts: StatusOptions) =>
    setExit(
      await withSession(rootArg, opts, configFlags(opts), async ({ out, session, root }) => {
        refuseBroadRoot('status', root);
        const status = await session.status();
        const store = await session.openReader();
        const [worktree, changes] = await Promise.all([session.worktree(), opts.checkChanges === false ? null : session.pendingChanges()]);
        const doc = { ...statusDocument(status, store.location, store.kind), worktree, changes, rerank: session.rerankSettings() };
        out.result(doc);
        out.print(formatStatus(doc, new Date()));
        return 0;
      }),
    ),
  );
}
