#!/usr/bin/env node
// MCP find_symbol on real Python repositories: every top-level function and class, and every
// method of a top-level class (as `Class.method`), found by Python's own parser (ast), is asked
// for by its qualified name; a hit is a first result in the defining file whose lines hold the
// definition's line. Names defined more than once in the repository (the same function in two
// modules) are counted apart: only one of them can come first.
//
//   npm run build && node bench/symbol-bench.mjs --clones /work/.mirror [--repos psf/requests,pallets/flask,pytest-dev/pytest]
//
// Each repository is checked out (its newest commit) from the bare clone under --clones, indexed
// with the lexical default, and served by one `cw mcp`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const { values } = parseArgs({ options: { clones: { type: 'string' }, repos: { type: 'string', default: 'psf/requests,pallets/flask,pytest-dev/pytest' } } });
if (!values.clones) throw new Error('--clones DIR (bare clones named owner+name, as fetch leaves them)');
const cw = path.resolve(import.meta.dirname, '..', 'bin', 'cw.js');
const work = path.join(os.tmpdir(), 'cw-symbol-bench');
mkdirSync(work, { recursive: true });

// Python's ast: [file, qualified name, line] of top-level defs and classes and their methods.
const PY = `
import ast, json, sys
out = []
for f in sys.argv[1:]:
    try:
        tree = ast.parse(open(f, encoding='utf-8').read())
    except Exception:
        continue
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.append([f, node.name, node.lineno])
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    out.append([f, node.name + '.' + item.name, item.lineno])
print(json.dumps(out))
`;

const rows = [];
for (const repo of values.repos.split(',')) {
  const bare = path.join(values.clones, repo.replace('/', '+'));
  // fetch leaves a bare repository in owner+name/repo (older copies: owner+name itself, or its .git).
  const gitDir = [path.join(bare, 'repo'), bare, path.join(bare, '.git')].find((d) => existsSync(path.join(d, 'objects')));
  if (!gitDir) throw new Error(`${bare}: no git repository there`);
  const dir = path.join(work, repo.replace('/', '+'));
  rmSync(dir, { recursive: true, force: true });
  execFileSync('git', ['clone', '-q', gitDir, dir]);
  execFileSync(process.execPath, [cw, 'index', dir, '-q'], { stdio: 'inherit' });
  const db = new Database(path.join(dir, '.codeweaver', 'index.sqlite'), { readonly: true });
  const files = db.prepare("SELECT path FROM files WHERE path LIKE '%.py'").pluck().all();
  db.close();
  const defs = JSON.parse(execFileSync('python3', ['-c', PY, ...files], { cwd: dir, maxBuffer: 256 << 20, encoding: 'utf8' }));
  const count = new Map();
  for (const [, name] of defs) count.set(name, (count.get(name) ?? 0) + 1);
  const client = new Client({ name: 'symbol-bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [cw, 'mcp', dir], stderr: 'ignore' }));
  let unique = 0;
  let uniqueFirst = 0;
  let repeated = 0;
  let repeatedTop = 0;
  const misses = [];
  const t = performance.now();
  for (const [file, name, line] of defs) {
    const res = await client.callTool({ name: 'find_symbol', arguments: { name, limit: 10 } });
    const results = res.structuredContent?.results ?? [];
    const at = (r) => r.path === file && r.start_line <= line && line <= r.end_line;
    if (count.get(name) === 1) {
      unique++;
      if (results[0] && at(results[0])) uniqueFirst++;
      else if (misses.length < 8) misses.push(`${name} (${file}:${line}) → ${results[0] ? `${results[0].path}:${results[0].start_line} ${results[0].symbol}` : 'none'}`);
    } else {
      repeated++;
      if (results.slice(0, count.get(name)).some(at)) repeatedTop++;
    }
  }
  const ms = (performance.now() - t) / defs.length;
  await client.close();
  rows.push({
    repository: repo,
    definitions: defs.length,
    'unique names': unique,
    'first for unique': `${((100 * uniqueFirst) / unique).toFixed(1)}%`,
    'names defined more than once': repeated,
    'among the first n (n = definitions of the name)': `${((100 * repeatedTop) / Math.max(1, repeated)).toFixed(1)}%`,
    'ms per call': +ms.toFixed(1),
  });
  if (misses.length) console.log(`${repo}: first misses:\n  ${misses.join('\n  ')}`);
}
console.table(rows);
