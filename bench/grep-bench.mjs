#!/usr/bin/env node
// MCP grep_code against GNU grep -F on the same files (those the index holds), on real
// repositories: the same lines (path and line number) for each pattern, and the time of each.
//
//   npm run build && node bench/grep-bench.mjs DIR…    (indexed checkouts, e.g. those symbol-bench.mjs leaves in $TMPDIR/cw-symbol-bench)
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const cw = path.resolve(import.meta.dirname, '..', 'bin', 'cw.js');
const PATTERNS = ['def __init__(self', 'import os', 'raise ValueError(', 'self._', 'TODO', '"""', 'return None'];
const rows = [];
for (const dir of process.argv.slice(2)) {
  execFileSync(process.execPath, [cw, 'index', dir, '-q'], { stdio: 'inherit' });
  const db = new Database(path.join(dir, '.codeweaver', 'index.sqlite'), { readonly: true });
  const files = db.prepare('SELECT path FROM files ORDER BY path').pluck().all();
  db.close();
  const client = new Client({ name: 'grep-bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [cw, 'mcp', dir], stderr: 'ignore' }));
  for (const pattern of PATTERNS) {
    const t = performance.now();
    const res = await client.callTool({ name: 'grep_code', arguments: { pattern, max_matches: 2000 } });
    const ms = performance.now() - t;
    const doc = res.structuredContent;
    const ours = doc.matches.map((m) => `${m.path}:${m.line}`).sort();
    const g = spawnSync('grep', ['-nF', '--', pattern, ...files], { cwd: dir, encoding: 'utf8', maxBuffer: 256 << 20 });
    const theirs = g.stdout.split('\n').filter(Boolean).map((l) => l.split(':').slice(0, 2).join(':')).sort();
    const same = !doc.truncated && ours.length === theirs.length && ours.every((k, i) => k === theirs[i]);
    rows.push({ repository: path.basename(dir), pattern, matches: ours.length, 'grep -F': theirs.length, same: doc.truncated ? 'truncated' : same, 'ms': Math.round(ms), files: doc.files_searched });
  }
  await client.close();
}
console.table(rows);
