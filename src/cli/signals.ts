/**
 * The process's one listener for SIGINT and SIGTERM, so that no signal ever kills cw outright
 * (no exit code, no `--json` document): bin/cw.js holds the signals that arrive while the CLI's
 * modules load (the first ~0.5 s, when a CI job is often cancelled) and hands them to this
 * gate, which main() installs before any other work.
 *
 * A command that has work to wind down (an index run, a watcher, a server) claims the signals
 * while it runs; a signal that nobody has claimed ends the process at once with exit 130: no
 * command has opened anything that needs finishing by then.
 */
export type SignalListener = (signal: NodeJS.Signals) => void;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

const claims: SignalListener[] = [];
let unclaimed: SignalListener | null = null;

function dispatch(signal: NodeJS.Signals): void {
  const owner = claims.at(-1);
  if (owner) owner(signal);
  else unclaimed?.(signal);
}

/**
 * Becomes the process's signal listener (once per process), with `onUnclaimed` for signals no
 * command has claimed; `pending` are the signals that arrived before, handled now, in order.
 */
export function installSignalGate(onUnclaimed: SignalListener, pending: readonly NodeJS.Signals[] = []): void {
  if (!unclaimed) for (const s of SIGNALS) process.on(s, dispatch);
  unclaimed = onUnclaimed;
  for (const s of pending) dispatch(s);
}

/** Routes signals to `listener` until the returned function is called (the latest claim wins). */
export function claimSignals(listener: SignalListener): () => void {
  claims.push(listener);
  // Outside main() (a test driving a command directly) there is no gate: listen directly.
  const direct = !unclaimed;
  if (direct) for (const s of SIGNALS) process.on(s, listener);
  return () => {
    const at = claims.lastIndexOf(listener);
    if (at >= 0) claims.splice(at, 1);
    if (direct) for (const s of SIGNALS) process.off(s, listener);
  };
}
