#!/usr/bin/env node
// Start-up of short commands against `node -e 0`, paired in one run (issue 12, goal 5).
// Run by hand after `npm run build`:  node bench/startup-bench.mjs [copies]   (default 4)
//
// The corpus is N copies of this project's node_modules (~31 k chunks per copy), indexed once
// with the embedded lexical default. Each round runs, in an order that rotates: `node -e 0`,
// `cw --version`, `cw search` (three queries in turn), `cw status`, and a no-change `cw index`
// of a small tree, each through bin/cw.js (dist/bundle/) and, for comparison, through a launcher
// that loads tsc's unbundled output (dist/cli/main.js), as every run did before the bundle.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copyNodeModules } from './corpus.mjs';
import { median, rotatedRounds } from './measure.mjs';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
const copies = Number(process.argv[2] ?? 4);
const work = path.join(os.tmpdir(), 'cw-bench-startup');
const ROUNDS = Number(process.env.ROUNDS) || 9; // ROUNDS=1 to check the script itself
mkdirSync(work, { recursive: true });

const bundled = path.join(root, 'bin', 'cw.js');
// The same launcher as bin/cw.js, pointed at the unbundled modules.
const unbundled = path.join(work, 'cw-unbundled.mjs');
writeFileSync(
  unbundled,
  `import v8 from 'node:v8';
v8.setFlagsFromString('--liftoff-only');
const { main } = await import(${JSON.stringify(pathToFileURL(path.join(root, 'dist/cli/main.js')).href)});
const exit = (code) => process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
main(process.argv).then(exit, (err) => { process.stderr.write(String(err?.message ?? err) + '\\n'); exit(1); });
`,
);

const run = (args, cwd) => execFileSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 64 << 20 });

// A large index for search and status.
const big = path.join(work, `x${copies}`);
if (!existsSync(path.join(big, '.codeweaver'))) {
  rmSync(big, { recursive: true, force: true });
  for (let i = 0; i < copies; i++) copyNodeModules(path.join(big, `pkgs${i}`));
  run([bundled, 'index', big, '-q'], big);
}
const chunks = JSON.parse(execFileSync(process.execPath, [bundled, 'status', '--json'], { cwd: big, encoding: 'utf8' })).chunks;
// A small tree for the no-change rerun: this project's sources.
const small = path.join(work, 'src-tree');
if (!existsSync(path.join(small, '.codeweaver'))) {
  cpSync(path.join(root, 'src'), path.join(small, 'src'), { recursive: true });
  run([bundled, 'index', small, '-q'], small);
}

const queries = ['retry after a timeout', 'parse the configuration file', 'createServer listen port'];
const cases = {
  'node -e 0': () => run(['-e', '0'], work),
  'cw --version': (cli) => run([cli, '--version'], work),
  'cw search': (cli, r) => run([cli, 'search', queries[r % queries.length]], big),
  'cw status': (cli) => run([cli, 'status'], big),
  'cw index (no change, 120 files)': (cli) => run([cli, 'index', '-q'], small),
};
for (const name of Object.keys(cases)) cases[name](bundled, 0); // warm the page cache
const steps = {};
for (const [name, fn] of Object.entries(cases)) {
  if (name === 'node -e 0') steps[name] = fn;
  else {
    steps[`${name} | bundled`] = (r) => fn(bundled, r);
    steps[`${name} | unbundled`] = (r) => fn(unbundled, r);
  }
}
const times = rotatedRounds(steps, ROUNDS);
const base = median(times.get('node -e 0'));
const rows = [...times].map(([name, xs]) => ({ command: name, 'median ms': Math.round(median(xs)), 'min ms': Math.round(Math.min(...xs)), '× node -e 0': +(median(xs) / base).toFixed(2) }));
console.table(rows);
console.log(`index: ${chunks} chunks; node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model}; medians of ${ROUNDS} rounds`);
