#!/usr/bin/env node
// Where the top results of code queries come from: code, tests or docs. Indexes a copy of a
// repository (default: this one, at HEAD) with the lexical default, runs code questions with
// `cw search --json`, and counts the top-5 results by kind. Run by hand:
//   node bench/ranking-bench.mjs [repo-dir]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CW = path.resolve(import.meta.dirname, '..', 'bin', 'cw.js');
const source = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..'));
const QUERIES = [
  'retry after header',
  'connection pool timeout',
  'redact credentials in url',
  'provider is down stop the run',
  'reciprocal rank fusion',
  'switch the alias after rebuild',
  'stale lock pid start time',
  'parse retry-after http date',
  'quick check damaged index',
  'symlink outside the root',
];

const work = mkdtempSync(path.join(os.tmpdir(), 'cw-ranking-'));
try {
  execFileSync('sh', ['-c', `git -C "${source}" archive HEAD | tar -x -C "${work}" && rm -rf "${work}/test/fixtures"`]);
  execFileSync(process.execPath, [CW, 'index', work, '-q']);
  const kind = (p) => (/(^|\/)(tests?|__tests__|specs?)\/|\.(test|spec)\./.test(p) ? 'test' : /\.(md|rst|txt)$/i.test(p) ? 'doc' : 'code');
  const totals = { code: 0, test: 0, doc: 0 };
  let topCode = 0;
  for (const q of QUERIES) {
    const { results } = JSON.parse(execFileSync(process.execPath, [CW, 'search', q, '--path', work, '-n', '5', '--json'], { encoding: 'utf8' }));
    const kinds = results.map((r) => kind(r.path));
    for (const k of kinds) totals[k]++;
    if (kinds[0] === 'code') topCode++;
    console.log(`${q.padEnd(34)} ${kinds.map((k) => k[0].toUpperCase()).join('')}  ${results[0]?.path ?? '-'}`);
  }
  console.log(`top-5 slots: code ${totals.code}, tests ${totals.test}, docs ${totals.doc}; top-1 is code in ${topCode}/${QUERIES.length}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
