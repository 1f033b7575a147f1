import { Command } from 'commander';
import { createStore } from '../../store/create.js';
import { formatStatus, statusDocument } from '../format.js';
import { addCommonOptions, addStoreOptions, configFlags, type OverrideOptions } from '../options.js';
import { withRuntime } from '../runtime.js';

export function statusCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('status')
    .description('show what is indexed, with which provider/model and when')
    .argument('[path]', 'repository', '.');
  addStoreOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (rootArg: string, opts: OverrideOptions) =>
    setExit(
      await withRuntime(rootArg, opts, configFlags(opts), async ({ out, loaded, root, env, onClose }) => {
        const store = await createStore(loaded.config, root, { env, onWarning: (m) => out.warn(m) });
        onClose(() => store.close());
        const meta = await store.openReadOnly();
        const doc = statusDocument(meta ? await store.status() : null, store.location, store.kind);
        out.result(doc);
        out.print(formatStatus(doc));
        return 0;
      }),
    ),
  );
}
