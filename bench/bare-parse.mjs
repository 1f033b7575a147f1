#!/usr/bin/env node
// A bare single-thread parse of the files an index holds: read each, parse it with the given
// back end, drop the tree. No chunking, hashing or writing: the floor a lexical run is compared
// with (issue 12, goal 1). Used by bench/parser-bench.mjs; by hand, after `npm run build`:
//   node bench/bare-parse.mjs <indexed dir> [wasm|auto]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Grammars } from '../dist/chunking/grammars.js';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const [dir, parser = 'wasm'] = process.argv.slice(2);
const db = new Database(path.join(dir, '.codeweaver', 'index.sqlite'), { readonly: true });
const files = db.prepare('SELECT path, language FROM files ORDER BY path').all();
db.close();

const grammars = new Grammars({ parser });
const started = performance.now();
let parsed = 0;
for (const f of files) {
  const text = readFileSync(path.join(dir, f.path), 'utf8');
  const p = await grammars.get(f.language);
  if (!p) continue;
  p.parse(text)?.delete();
  parsed++;
}
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ parser, files: files.length, parsed, seconds, peak_rss_bytes: process.resourceUsage().maxRSS * 1024 }));
