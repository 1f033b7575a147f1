import { Command } from 'commander';
import { checkBuildId, MAX_SHARDS } from '../../discovery/shard.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../exit-codes.js';
import { count } from '../format.js';
import { addCommonOptions, addStoreOptions, configFlags, parsePositiveInt, type OverrideOptions } from '../options.js';
import { withSession } from '../runtime.js';

interface PublishOptions extends OverrideOptions {
  build?: string;
  shards?: string;
}

export function publishCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('publish')
    .description('make a sharded rebuild live: checks that every shard of the build finished at one commit, then switches searches to it in one step')
    .argument('[path]', 'repository (default: the one around the working directory)')
    .requiredOption('--build <id>', 'the build the shards filled (cw index --full --shard i/N --build ID)')
    .requiredOption('--shards <n>', 'how many shards the build was cut into: each of 1..N must have finished');
  addStoreOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (rootArg: string | undefined, opts: PublishOptions) =>
    setExit(
      await withSession(rootArg, opts, configFlags(opts), async ({ out, session }) => {
        const build = checkBuildId(opts.build!);
        const shards = parsePositiveInt('--shards', opts.shards!);
        if (shards > MAX_SHARDS) throw new UsageError(`--shards: at most ${MAX_SHARDS}, got ${shards}`);
        const result = await session.publish({ build, shards });
        out.result(result);
        out.print(
          result.already_live
            ? `build ${build} is already live (${result.location}) — nothing changed`
            : `build ${build} is live: ${shards} shard${shards === 1 ? '' : 's'}${result.commit ? ` at ${result.commit.slice(0, 12)}` : ''}, ${count(result.files, 'file')}, ${count(result.chunks, 'chunk')}${result.previous ? `; removed the previous index ${result.previous}` : ''}`,
        );
        return ExitCode.Ok;
      }),
    ),
  );
}
