#!/usr/bin/env node
// The least any Node process can do for a no-change rerun, as a yardstick for cw's: list the
// tree, stat each recorded file (bigint, as cw does), compare with the stat data recorded in
// the index, read in one query. It skips the directories cw never walks (the one module of cw's
// it loads, so it lists no more than cw does) but reads no configuration and no ignore files,
// loads nothing else beyond better-sqlite3, and prints only a count. Used by
// rerun-floor-bench.mjs; not a product path.
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DEFAULT_EXCLUDED_DIRS } from '../dist/discovery/default-rules.js';

const Database = createRequire(import.meta.url)('better-sqlite3');
const root = path.resolve(process.argv[2]);
// --number: stat as numbers, not bigints (what a no-change check would cost if it gave up
// nanosecond times; the comparison is then a different key, so it only counts, it never matches).
const bigint = !process.argv.includes('--number');
const db = new Database(path.join(root, '.codeweaver', 'index.sqlite'), { readonly: true });
const recorded = new Map(db.prepare('SELECT path, stat FROM files').raw(true).all());
const stack = [''];
let stated = 0;
let changed = 0;
while (stack.length > 0) {
  const dir = stack.pop();
  for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!DEFAULT_EXCLUDED_DIRS.has(e.name)) stack.push(rel);
    }
    else {
      const key = recorded.get(rel);
      if (key === undefined) continue;
      const s = statSync(path.join(root, rel), { bigint });
      stated++;
      // A file recorded without stat data (NULL: written while it was changing, so cw reads it
      // again) counts as changed, as in cw.
      if (!key?.endsWith(`|${s.size}|${s.mtimeNs}|${s.ctimeNs}|${s.ino}|${s.dev}`)) changed++;
    }
  }
}
process.stdout.write(`${stated} stat-ed, ${changed} changed\n`);
