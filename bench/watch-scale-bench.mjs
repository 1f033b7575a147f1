#!/usr/bin/env node
// `cw watch` on a large repository (issue 26): a generated tree shaped like babel's checkout
// (bench/watch-tree.mjs: ~28 k files in ~14 k directories, two branches ~9,700 files apart).
//   1. @parcel/watcher's subscription alone, with plain-path ignores (what cw passes) and with the
//      ~90 globs cw passed before, side by side.
//   2. `cw watch --json` on an indexed tree: time to the first batch (subscribed) and to
//      "watching" (after the catch-up run); then edits, each timed until it is searchable.
//   3. Branch switches (`git checkout`), back and forth: time from the checkout's end until the
//      index holds exactly the files (and hashes) of a fresh index of that branch; the watcher's
//      RSS after each.
//   4. A start during a checkout: cw watch started as `git checkout` begins; whether it exits,
//      and when the index matches the branch.
//
//   npm run build && node bench/watch-scale-bench.mjs [--switches 4] [--edits 40] [--skip-globs]
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import watcher from '@parcel/watcher';
import { makeWatchTree } from './watch-tree.mjs';

const { values } = parseArgs({ options: { switches: { type: 'string', default: '4' }, edits: { type: 'string', default: '40' }, 'skip-globs': { type: 'boolean', default: false } } });
const root = path.resolve(import.meta.dirname, '..');
const cw = path.join(root, 'bin', 'cw.js');
const work = path.join(os.tmpdir(), 'cw-watch-scale');
const repo = path.join(work, 'repo');
makeWatchTree(repo);
const git = (...args) => execFileSync('git', args, { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
git('checkout', '-q', '-f', 'main');

// 1. The subscription alone.
const { nativeIgnores } = await import('../dist/watch/tree-events.js');
const { DEFAULT_EXCLUDED_DIRS } = await import('../dist/discovery/default-rules.js');
const oldGlobs = ['.git/objects', '.git/refs', '.git/logs', '.git/hooks', '.git/modules', '.git/lfs', ...[...DEFAULT_EXCLUDED_DIRS].filter((n) => n !== '.git').flatMap((n) => [`**/${n}`, `**/${n}/**`])];
const subscribeMs = async (ignore) => {
  const t = performance.now();
  const sub = await watcher.subscribe(repo, () => {}, { ignore });
  const ms = performance.now() - t;
  await sub.unsubscribe();
  return Math.round(ms);
};
const t0 = performance.now();
const paths = await nativeIgnores(repo);
const scanMs = Math.round(performance.now() - t0);
const sub = { 'scan for ignored dirs ms': scanMs, 'subscribe (paths) ms': await subscribeMs(paths) };
if (!values['skip-globs']) sub['subscribe (90 globs, before) ms'] = await subscribeMs(oldGlobs);
console.log('Subscription to the tree:');
console.table([sub]);

// Expected contents per branch: a fresh index of each, built once in a worktree of its own.
const expected = {};
const filesOf = (db) => {
  const conn = new Database(db, { readonly: true });
  try {
    return new Map(conn.prepare('SELECT path, file_hash FROM files').raw().all());
  } finally {
    conn.close();
  }
};
for (const branch of ['main', 'switch']) {
  const dir = path.join(work, `fresh-${branch}`);
  rmSync(dir, { recursive: true, force: true });
  execFileSync('git', ['worktree', 'prune'], { cwd: repo });
  execFileSync('git', ['worktree', 'add', '-q', '-f', '--detach', dir, branch], { cwd: repo });
  execFileSync(process.execPath, [cw, 'index', dir, '-q'], { stdio: 'inherit' });
  expected[branch] = filesOf(path.join(dir, '.codeweaver', 'index.sqlite'));
}
const same = (a, b) => a.size === b.size && [...a].every(([p, h]) => b.get(p) === h);
const index = path.join(repo, '.codeweaver', 'index.sqlite');
execFileSync(process.execPath, [cw, 'index', repo, '-q'], { stdio: 'inherit' });

function startWatch() {
  const child = spawn(process.execPath, [cw, 'watch', repo, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { out: '', err: '', child, started: performance.now() };
  child.stdout.setEncoding('utf8').on('data', (d) => (state.out += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (state.err += d));
  return state;
}
const until = async (cond, what, w, ms = 300_000) => {
  const deadline = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`${what}: not reached in ${ms} ms`);
    if (w && w.child.exitCode !== null) throw new Error(`${what}: cw watch exited (${w.child.exitCode}): ${w.err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const converged = (branch) => () => {
  try {
    return same(filesOf(index), expected[branch]);
  } catch {
    return false; // mid-write: read again
  }
};
const rssMb = (pid) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024);
const stop = async (w) => {
  w.child.kill('SIGINT');
  await new Promise((r) => (w.child.exitCode !== null ? r() : w.child.once('exit', r)));
};

// 2. Start on an indexed tree.
let w = startWatch();
await until(() => w.out.includes('"indexing"'), 'subscribed', w);
const firstBatchMs = Math.round(performance.now() - w.started);
await until(() => w.out.includes('"type":"watching"'), 'watching', w);
const watchingMs = Math.round(performance.now() - w.started);
console.log('cw watch start on the indexed tree:');
console.table([{ 'catch-up begins (subscribed) ms': firstBatchMs, 'watching ms': watchingMs, 'RSS MB': rssMb(w.child.pid) }]);

// Edits: each appended to a source file, timed until its new text is in the index.
{
  const edits = Number(values.edits);
  const db = new Database(index, { readonly: true });
  const has = db.prepare('SELECT count(*) FROM chunks WHERE path = ? AND instr(content, ?) > 0').pluck();
  const latencies = [];
  for (let i = 0; i < edits; i++) {
    const rel = `packages/pkg-${(i * 37) % 150}/src/d${i % 10}/f${i % 8}.js`;
    const token = `scaleEdit${i}x${process.pid}`;
    const t = performance.now();
    appendFileSync(path.join(repo, rel), `\nfunction ${token} () { return ${i} }\n`);
    await until(() => has.get(rel, token) > 0, `edit ${i} searchable`, w);
    latencies.push(performance.now() - t);
  }
  db.close();
  const sorted = latencies.sort((a, b) => a - b);
  const q = (p) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
  console.log(`Edit → searchable (${edits} edits, debounce 300 ms):`);
  console.table([{ 'p50 ms': q(0.5), 'p95 ms': q(0.95), 'max ms': Math.round(sorted.at(-1)) }]);
  git('checkout', '-q', '-f', 'main'); // the edits undone: the branch switches start from main
  await until(converged('main'), 'index = main after the edits', w);
}

// 3. Branch switches.
const rows = [];
for (let i = 0; i < Number(values.switches); i++) {
  const branch = i % 2 === 0 ? 'switch' : 'main';
  const t = performance.now();
  git('checkout', '-q', branch);
  const checkoutMs = performance.now() - t;
  const ended = performance.now();
  await until(converged(branch), `index = ${branch}`, w);
  rows.push({ to: branch, 'checkout ms': Math.round(checkoutMs), 'index matches after ms': Math.round(performance.now() - ended), 'RSS MB': rssMb(w.child.pid) });
}
console.log('Branch switches (~9,700 files), time from the checkout\'s end:');
console.table(rows);
await stop(w);

// 4. A start during a checkout.
const onBranch = Number(values.switches) % 2 === 0 ? 'main' : 'switch';
const target = onBranch === 'main' ? 'switch' : 'main';
const checkout = spawn('git', ['checkout', '-q', target], { cwd: repo, stdio: 'ignore' });
w = startWatch();
await new Promise((r) => checkout.once('exit', r));
const ended = performance.now();
await until(converged(target), `index = ${target} after a start during the checkout`, w);
console.log('cw watch started as a checkout begins:');
console.table([{ exited: w.child.exitCode !== null, 'index matches after ms (from the checkout\'s end)': Math.round(performance.now() - ended) }]);
await stop(w);
git('checkout', '-q', '-f', 'main');
console.log(`node ${process.version}, ${os.cpus().length} cores`);
