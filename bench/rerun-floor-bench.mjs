#!/usr/bin/env node
// Issue 14's 10 k goal against the floor: `git status --porcelain`, a no-change `cw index`, the
// least a Node process can do for the same answer (rerun-floor.mjs) and `node -e 0`, in turns,
// on the ×2 corpus of rerun-bench.mjs (run that first: it builds, indexes and settles it).
//   npm run build && node bench/rerun-bench.mjs 2 && node bench/rerun-floor-bench.mjs [rounds]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, rotatedRounds } from './measure.mjs';

const root = path.resolve(import.meta.dirname, '..');
const dir = path.join(os.tmpdir(), 'cw-bench-rerun', 'x2');
if (!existsSync(path.join(dir, '.codeweaver'))) throw new Error(`${dir}: no index; run node bench/rerun-bench.mjs 2 first`);
const rounds = Number(process.argv[2]) || 15;
const node = process.execPath;
const command = (cmd, args) => () => execFileSync(cmd, args, { stdio: 'ignore', maxBuffer: 64 << 20 });
const times = rotatedRounds(
  {
    'git status --porcelain': command('git', ['-C', dir, 'status', '--porcelain']),
    'cw index (no change)': command(node, [path.join(root, 'bin', 'cw.js'), 'index', dir, '-q']),
    'floor: list + stat + one query': command(node, [path.join(root, 'bench', 'rerun-floor.mjs'), dir]),
    'floor, number stats': command(node, [path.join(root, 'bench', 'rerun-floor.mjs'), dir, '--number']),
    'node -e 0': command(node, ['-e', '0']),
  },
  rounds,
);
const git = median(times.get('git status --porcelain'));
console.table([...times].map(([name, xs]) => ({ command: name, 'median ms': Math.round(median(xs)), 'min ms': Math.round(Math.min(...xs)), '× git status': +(median(xs) / git).toFixed(2) })));
console.log(`node ${process.version}, ${os.cpus().length} cores; ${rounds} rounds, order rotated each round`);
