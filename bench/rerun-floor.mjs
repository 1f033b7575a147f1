#!/usr/bin/env node
// The least any Node process can do for a no-change rerun, as a yardstick for cw's: list the
// tree, stat each recorded file (bigint, as cw does), compare with the stat data recorded in
// the index, read in one query. No configuration, no ignore rules, no module loading beyond
// better-sqlite3, no output but a count. Used by rerun-floor-bench.mjs; not a product path.
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const Database = createRequire(import.meta.url)('better-sqlite3');
const root = path.resolve(process.argv[2]);
const db = new Database(path.join(root, '.codeweaver', 'index.sqlite'), { readonly: true });
const recorded = new Map(db.prepare('SELECT path, stat FROM files').raw(true).all());
const stack = [''];
let stated = 0;
let changed = 0;
while (stack.length > 0) {
  const dir = stack.pop();
  for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    if (e.name === '.git' || e.name === '.codeweaver' || e.name === 'node_modules') continue;
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) stack.push(rel);
    else {
      const key = recorded.get(rel);
      if (key === undefined) continue;
      const s = statSync(path.join(root, rel), { bigint: true });
      stated++;
      if (!key?.endsWith(`|${s.size}|${s.mtimeNs}|${s.ctimeNs}|${s.ino}|${s.dev}`)) changed++;
    }
  }
}
process.stdout.write(`${stated} stat-ed, ${changed} changed\n`);
