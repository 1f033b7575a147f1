#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm run build`, which `npm ci` runs).
import v8 from 'node:v8';

// `cw --version` alone needs nothing but package.json: answered before the CLI's modules load
// (0.15 s instead of 0.44 s here, where `node -e 0` takes 0.13 s; a script that checks the version pays for nothing else).
if (process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-V')) {
  const { createRequire } = await import('node:module');
  // Exit once written: on macOS a pipe is asynchronous, and exiting at once could lose the line.
  process.stdout.write(`${createRequire(import.meta.url)('../package.json').version}\n`, () => process.exit(0));
} else {
  // tree-sitter grammars are WebAssembly. V8's default tiering keeps both baseline and optimised
  // code for each grammar (measured: ~280 MB resident with 12 grammars); baseline only is ~120 MB,
  // and indexing node_modules was faster, not slower (less compiling). Must precede any WASM compile.
  v8.setFlagsFromString('--liftoff-only');
  // Signals that arrive while the CLI loads (~0.3-0.5 s; a CI job is often cancelled then) are
  // held, not fatal: main() hands them to its signal gate, which ends with exit 130 and, under
  // --json, a document. Removed in the same turn as main() installs the gate, so none is lost.
  const pendingSignals = [];
  const hold = (signal) => pendingSignals.push(signal);
  process.on('SIGINT', hold);
  process.on('SIGTERM', hold);
  // dist/bundle/ (scripts/bundle.mjs, run by `npm run build`): one module per entry point instead
  // of ~200 small ones, which is most of a short command's start-up on Node 20.
  const { main, redact } = await import('../dist/bundle/main.js');

  // main() closes the pool and the store before it resolves. Exit explicitly then: an SDK may
  // leave a timer behind for a request we aborted (voyageai's per-request timeout is cleared only
  // on success), and a finished CLI must not linger for it. The empty write's callback runs once
  // everything written before it is flushed, so nothing printed is lost on a slow pipe.
  const exit = (code) => process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  process.off('SIGINT', hold);
  process.off('SIGTERM', hold);
  main(process.argv, { pendingSignals, exit }).then(exit, (err) => {
    process.stderr.write(`cw: error: ${redact(String(err?.message ?? err))}\n`);
    exit(1);
  });
}
