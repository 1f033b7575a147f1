#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm run build`, which `npm ci` runs).
import { main } from '../dist/cli/main.js';

// main() closes the pool and the store before it resolves. Exit explicitly then: an SDK may
// leave a timer behind for a request we aborted (voyageai's per-request timeout is cleared only
// on success), and a finished CLI must not linger for it. The empty write's callback runs once
// everything written before it is flushed, so nothing printed is lost on a slow pipe.
const exit = (code) => process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
main(process.argv).then(exit, (err) => {
  process.stderr.write(`cw: error: ${err?.message ?? err}\n`);
  exit(1);
});
