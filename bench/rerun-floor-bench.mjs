#!/usr/bin/env node
// Issue 14's 10 k goal against the floor: `git status --porcelain`, a no-change `cw index`, the
// least a Node process can do for the same answer (rerun-floor.mjs) and `node -e 0`, in turns,
// on the ×2 corpus of rerun-bench.mjs (run that first: it builds, indexes and settles it).
//   npm run build && node bench/rerun-bench.mjs 2 && node bench/rerun-floor-bench.mjs [rounds]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dir = path.join(os.tmpdir(), 'cw-bench-rerun', 'x2');
if (!existsSync(path.join(dir, '.codeweaver'))) throw new Error(`${dir}: no index; run node bench/rerun-bench.mjs 2 first`);
const rounds = Number(process.argv[2]) || 15;
const node = process.execPath;
const variants = [
  ['git status --porcelain', 'git', ['-C', dir, 'status', '--porcelain']],
  ['cw index (no change)', node, [path.join(root, 'bin', 'cw.js'), 'index', dir, '-q']],
  ['floor: list + stat + one query', node, [path.join(root, 'bench', 'rerun-floor.mjs'), dir]],
  ['node -e 0', node, ['-e', '0']],
];
const times = variants.map(() => []);
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < variants.length; i++) {
    const k = (i + r) % variants.length; // each round starts with the next variant
    const [, cmd, args] = variants[k];
    const t = process.hrtime.bigint();
    execFileSync(cmd, args, { stdio: 'ignore', maxBuffer: 64 << 20 });
    times[k].push(Number(process.hrtime.bigint() - t) / 1e6);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const git = median(times[0]);
console.table(variants.map(([name], i) => ({ command: name, 'median ms': Math.round(median(times[i])), 'min ms': Math.round(Math.min(...times[i])), '× git status': +(median(times[i]) / git).toFixed(2) })));
console.log(`node ${process.version}, ${os.cpus().length} cores; ${rounds} rounds, order rotated each round`);
