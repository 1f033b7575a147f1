#!/usr/bin/env node
// A bare single-thread pass over the files an index holds: read each, then parse it and drop
// the tree (`parse`, the default), or chunk it in this thread (`chunk`). No hashing of files, no
// writing: the floor a lexical run is compared with (issue 12, goal 1), and each back end's
// parse and chunk cost on its own. Used by bench/parser-bench.mjs; by hand, after `npm run build`:
//   node bench/bare-parse.mjs <indexed dir> [wasm|auto] [parse|chunk]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createChunker } from '../dist/chunking/chunker.js';
import { Grammars } from '../dist/chunking/grammars.js';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const [dir, parser = 'wasm', mode = 'parse'] = process.argv.slice(2);
const db = new Database(path.join(dir, '.codeweaver', 'index.sqlite'), { readonly: true });
const files = db.prepare('SELECT path, language FROM files ORDER BY path').all();
db.close();

const grammars = new Grammars({ parser });
const chunker = await createChunker({ targetTokens: 512, maxTokens: 512, parser });
const started = performance.now();
let parsed = 0;
let chunks = 0;
let done = 0;
for (const f of files) {
  const text = readFileSync(path.join(dir, f.path), 'utf8');
  if (mode === 'chunk') {
    chunks += (await chunker.chunkFile({ path: f.path, language: f.language, text })).length;
  } else {
    const p = await grammars.get(f.language);
    if (!p) continue;
    p.parse(text)?.delete();
    parsed++;
  }
  // Yield now and then, as a run does: the native binding's finalizers run from the event loop
  // (without it, a native chunk pass here peaked at 738 MB).
  if (++done % 64 === 0) await new Promise(setImmediate);
}
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ parser, mode, files: files.length, parsed, chunks, seconds, peak_rss_bytes: process.resourceUsage().maxRSS * 1024 }));
