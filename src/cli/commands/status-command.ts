import { Command } from 'commander';
import { createStore } from '../../store/create.js';
import { formatStatus, statusDocument } from '../format.js';
import { addCommonOptions, addStoreOptions, configFlags, type OverrideOptions } from '../options.js';
import { createOutput, createRuntime } from '../runtime.js';

export function statusCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('status')
    .description('show what is indexed, with which provider/model and when')
    .argument('[path]', 'repository', '.');
  addStoreOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (rootArg: string, opts: OverrideOptions) => {
    const out = createOutput(opts);
    const rt = await createRuntime(out, rootArg, opts, configFlags(opts));
    try {
      const store = await createStore(rt.loaded.config, rt.root, { env: rt.env, onWarning: (m) => out.warn(m) });
      rt.onClose(() => store.close());
      const meta = await store.openReadOnly();
      const doc = statusDocument(meta ? await store.status() : null, store.location, store.kind);
      out.result(doc);
      out.print(formatStatus(doc));
      setExit(0);
    } finally {
      await rt.close();
    }
  });
}
