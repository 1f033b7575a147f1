#!/usr/bin/env node
// cw watch over hours, compressed: N edit cycles against a watched tree, each waiting until the
// edit is searchable. Reports edit-to-searchable latency (median, p95, max) and the watcher's
// resident memory at the start and at the end of the cycles, for the lexical default.
// Run by hand after `npm run build`:  node bench/watch-bench.mjs [cycles=1000] [debounce_ms=300]
// The corpus is this project's node_modules (renamed, since node_modules is skipped by default).
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copyNodeModules } from './corpus.mjs';
import Database from 'better-sqlite3';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'bin', 'cw.js');
const cycles = Number(process.argv[2] ?? 1000);
const debounce = Number(process.argv[3] ?? 300);
const work = path.join(os.tmpdir(), 'cw-bench-watch');
const repo = path.join(work, 'repo');

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
copyNodeModules(path.join(repo, 'pkgs'));
writeFileSync(path.join(repo, 'codeweaver.config.json'), JSON.stringify({ watch: { debounce_ms: debounce } }));

// Files to edit: 50 JavaScript files spread over the tree.
const targets = [];
(function collect(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (targets.length >= 50) return;
    const p = path.join(dir, e.name);
    if (e.isDirectory() && !['node_modules', 'dist', 'build', 'test'].includes(e.name)) collect(p);
    else if (e.isFile() && e.name.endsWith('.js') && !e.name.endsWith('.min.js')) targets.push(p);
  }
})(path.join(repo, 'pkgs', 'undici', 'lib'));
(function more(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (targets.length >= 50) return;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) more(p);
    else if (e.name.endsWith('.js') && !targets.includes(p)) targets.push(p);
  }
})(path.join(repo, 'pkgs', 'zod'));

const child = spawn(process.execPath, [cli, 'watch', repo, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
const started = Date.now();
const until = async (cond, what, ms = 600_000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${what}: not reached`);
    await new Promise((r) => setTimeout(r, 2));
  }
};
await until(() => out.includes('"type":"watching"'), 'catch-up');
const catchUpSeconds = (Date.now() - started) / 1000;
const catchUp = JSON.parse(out.split('\n').find((l) => l.includes('"kind":"catch_up"') && l.includes('"indexed"')));

const rss = () => {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)[1]);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
};
const db = new Database(path.join(repo, '.codeweaver', 'index.sqlite'), { readonly: true });
const has = db.prepare('SELECT count(*) FROM chunks WHERE path = ? AND instr(content, ?) > 0').pluck();

const latencies = [];
const memory = [];
for (let i = 0; i < cycles; i++) {
  const file = targets[i % targets.length];
  const rel = path.relative(repo, file).split(path.sep).join('/');
  const token = `benchEdit${i}x${process.pid}`;
  const t0 = performance.now();
  appendFileSync(file, `\nfunction ${token} () { return ${i} }\n`);
  await until(() => has.get(rel, token) > 0, `edit ${i} searchable`, 60_000);
  latencies.push(performance.now() - t0);
  memory.push(rss());
}
child.kill('SIGINT');
await new Promise((r) => child.on('close', r));
db.close();

const sorted = [...latencies].sort((a, b) => a - b);
const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const window = Math.max(1, Math.min(50, Math.floor(cycles / 10)));
const avg = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.table([
  {
    files: catchUp.summary.files.scanned,
    'catch-up s': +catchUpSeconds.toFixed(1),
    cycles,
    'debounce ms': debounce,
    'latency p50 ms': Math.round(q(0.5)),
    'latency p95 ms': Math.round(q(0.95)),
    'latency max ms': Math.round(sorted.at(-1)),
    [`RSS first ${window} MB`]: Math.round(avg(memory.slice(0, window).map((m) => m.rss))),
    [`RSS last ${window} MB`]: Math.round(avg(memory.slice(-window).map((m) => m.rss))),
    'peak RSS after catch-up MB': Math.round(memory[0].hwm),
    'peak RSS at end MB': Math.round(memory.at(-1).hwm),
  },
]);
console.log(`node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model}`);
if (existsSync(work)) rmSync(work, { recursive: true, force: true });
