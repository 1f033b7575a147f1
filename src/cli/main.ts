import { Command, CommanderError } from 'commander';
import { debugRequested } from '../config/env.js';
import { CodeweaverError, kindOf } from '../errors.js';
import { ExitCode, exitCodeOf } from './exit-codes.js';
import { addSecretsFromEnv, redact } from '../redact.js';
import { installSignalGate } from './signals.js';
import { cleanCommand } from './commands/clean-command.js';
import { configCommand } from './commands/config-command.js';
import { indexCommand } from './commands/index-command.js';
import { searchCommand } from './commands/search-command.js';
import { statusCommand } from './commands/status-command.js';
import { watchCommand } from './commands/watch-command.js';
import { mcpCommand } from './commands/mcp-command.js';
import { publishCommand } from './commands/publish-command.js';
import { initCommand } from './commands/init-command.js';
import { modelCommand } from './commands/model-command.js';
import { version } from '../version.js';

// For bin/cw.js, which reports a failure of main() itself: one module to load, not two.
export { redact };

/** `cw --help` shows where to start, as git's and ripgrep's help do. */
const EXAMPLES_HELP = `
Examples:
  cw init                                  write a commented codeweaver.config.yaml to start from
  cw index                                 index the repository around you (offline, lexical: no key)
  cw search "retry with backoff"           search it; -l for file names, --json for scripts
  gh issue view 12 | cw search -           search with a whole issue's text
  cw index --provider voyage --full        rebuild for search by meaning (VOYAGE_API_KEY)
  cw status                                what is indexed, and what changed since
  cw watch                                 keep the index fresh while you work
  cw mcp install --client claude-code      let an agent search it over MCP

Start with: cw index && cw search "<what you look for>"`;

const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    the run finished but some files failed (or a service kept failing)
  2    usage or configuration error (bad flag or config, missing API key, refused model change)
  3    not ready: cw publish found the build incomplete or inconsistent (nothing changed)
  130  interrupted (SIGINT/SIGTERM)`;


export interface MainOptions {
  /** Signals that arrived before main() was called (bin/cw.js holds them while the CLI loads). */
  pendingSignals?: readonly NodeJS.Signals[];
  /**
   * Ends the process with this code once what was written is flushed: for a signal that no
   * command has claimed (src/cli/signals.ts). Without it, such a signal is ignored.
   */
  exit?: (code: number) => void;
}

/**
 * Runs the CLI; resolves with the process exit code. Ends the process itself only through
 * `options.exit`, for a signal no command has claimed.
 */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const json = argv.includes('--json');
  const exit = options.exit;
  if (exit) {
    // First of all: from here on no signal kills cw without an exit code and, under --json, a document.
    let ending = false;
    installSignalGate((signal) => {
      if (ending) return;
      ending = true;
      const message = `interrupted (${signal}) before any work had started; nothing was written`;
      if (json) process.stdout.write(`${JSON.stringify({ type: 'error', interrupted: true, error: { message, kind: 'interrupted', exit_code: ExitCode.Interrupted } })}\n`);
      process.stderr.write(`cw: ${message}\n`);
      exit(ExitCode.Interrupted);
    }, options.pendingSignals);
  }
  let exitCode: number = ExitCode.Ok;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const program = new Command('cw')
    .description('codeweaver: turn a code repository into a searchable vector index')
    .version(version(), '-V, --version')
    .showHelpAfterError('(run cw --help for usage)')
    .addHelpText('after', EXAMPLES_HELP)
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();
  for (const cmd of [initCommand(setExit), indexCommand(setExit), searchCommand(setExit), statusCommand(setExit), watchCommand(setExit), mcpCommand(setExit), modelCommand(setExit), publishCommand(setExit), configCommand(setExit), cleanCommand(setExit)]) {
    cmd.version(version(), '-V, --version').addHelpText('after', EXIT_CODES_HELP).exitOverride();
    program.addCommand(cmd);
  }

  // Values of secret-named variables (…_API_KEY, …_TOKEN) are masked in anything printed,
  // from the first line on; the runtime adds the ones the configuration names.
  addSecretsFromEnv(process.env);
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successes; anything else commander rejects is a usage error.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return ExitCode.Ok;
      }
      if (json) process.stdout.write(`${JSON.stringify({ type: 'error', error: { message: redact(err.message), kind: 'usage', exit_code: ExitCode.Usage } })}\n`);
      return ExitCode.Usage;
    }
    const code = exitCodeOf(err);
    const message = redact(err instanceof Error ? err.message : String(err));
    // One line: a whole document for one-shot commands, and one more line of `cw watch --json`'s stream.
    if (json) process.stdout.write(`${JSON.stringify({ type: 'error', error: { message, kind: kindOf(err), exit_code: code } })}\n`);
    for (const line of message.split('\n')) process.stderr.write(`cw: error: ${line}\n`);
    if (!(err instanceof CodeweaverError) && debugRequested(process.env)) process.stderr.write(`${redact(String((err as Error).stack))}\n`);
    return code;
  }
}
