#!/usr/bin/env node
// A no-change rerun against `git status --porcelain` on the same tree, paired in one run.
// Run by hand after `npm run build`:  node bench/rerun-bench.mjs [copies...]   (default: 2 20)
// The corpus is N copies of this project's node_modules (renamed: node_modules is skipped by
// default), committed to git; ~5,200 indexable files per copy. Each corpus is indexed once,
// left alone past the racy margin (3 s), then per round: `git status`, a no-change `cw index`,
// an edit of one file, `cw index` again (it indexes that one file). Rounds alternate the order.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copyNodeModules } from './corpus.mjs';
import { median, timed as wall } from './measure.mjs';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'bin', 'cw.js');
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const work = path.join(os.tmpdir(), 'cw-bench-rerun');
const ROUNDS = 5;

function corpus(n) {
  const dir = path.join(work, `x${n}`);
  if (!existsSync(path.join(dir, '.git'))) {
    rmSync(dir, { recursive: true, force: true });
    for (let i = 0; i < n; i++) copyNodeModules(path.join(dir, `pkgs${i}`));
    const git = (...a) => execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@example.invalid', ...a], { cwd: dir, stdio: 'ignore' });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'corpus');
  }
  return dir;
}

const cw = (dir) => JSON.parse(execFileSync(process.execPath, [cli, 'index', dir, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] }));
const gitStatus = (dir) => execFileSync('git', ['status', '--porcelain'], { cwd: dir, maxBuffer: 64 << 20 });

mkdirSync(work, { recursive: true });
const rows = [];
for (const n of sizes.length ? sizes : [2, 20]) {
  const dir = corpus(n);
  const first = wall(() => cw(dir));
  const until = Date.now() + 3500;
  while (Date.now() < until) execFileSync('sleep', ['0.2']); // past the racy margin: every file is recorded with its stat data
  cw(dir); // records the stat data of files that were racy in the first run
  const git = [];
  const rerun = [];
  const edit = [];
  let last = null;
  const target = path.join(dir, 'pkgs0', 'undici', 'lib', 'dispatcher', 'client.js');
  for (let r = 0; r < ROUNDS; r++) {
    const pair = [() => git.push(wall(() => gitStatus(dir)).ms), () => { const w = wall(() => cw(dir)); rerun.push(w.ms); last = w.out; }];
    for (const step of r % 2 ? pair.reverse() : pair) step();
    appendFileSync(target, `\n// edit ${r}\n`);
    const e = wall(() => cw(dir));
    edit.push(e.ms);
    if (e.out.files.indexed !== 1) throw new Error(`edit round ${r}: indexed ${e.out.files.indexed}`);
  }
  rows.push({
    corpus: `node_modules x${n}`,
    files: last.files.scanned,
    'first index s': +(first.ms / 1000).toFixed(1),
    'git status ms': Math.round(median(git)),
    'no-change cw index ms': Math.round(median(rerun)),
    'of which in the run ms': last.duration_ms,
    'read by stat': `${last.files.unchanged_by_stat}/${last.files.scanned}`,
    ratio: +(median(rerun) / median(git)).toFixed(1),
    'one file edited ms': Math.round(median(edit)),
  });
}
console.table(rows);
console.log(`node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model}; medians of ${ROUNDS} rounds`);
