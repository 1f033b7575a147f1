#!/usr/bin/env node
// Summarises V8 CPU profiles (.cpuprofile, from --cpu-prof or DENSE_BENCH_PROFILE) by self time:
// per function and per area (our code by source directory, each package, native work, GC, idle).
// Where a script has a source map beside it (dist/bundle/*.js.map), frames are resolved to the
// TypeScript file they came from.
//   node bench/profile-summary.mjs <file-or-dir> [--top 30]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } });
const target = positionals[0];
if (!target) throw new Error('usage: node bench/profile-summary.mjs <file-or-dir> [--top N]');
const files = statSync(target).isDirectory()
  ? readdirSync(target).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(target, f))
  : [target];

const maps = new Map();
function sourceMapOf(url) {
  if (!maps.has(url)) {
    let map = null;
    try {
      const file = url.startsWith('file:') ? fileURLToPath(url) : url;
      if (existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
    } catch {}
    maps.set(url, map);
  }
  return maps.get(url);
}

/** Where a frame's code lives: `src/<dir>` for ours, the package for a dependency, else V8's own. */
function areaOf(frame, source) {
  if (frame.functionName === '(garbage collector)') return 'GC';
  if (frame.functionName === '(idle)') return 'idle';
  if (frame.functionName === '(program)') return '(program)';
  const where = source ?? frame.url;
  if (!where) return 'native / builtins';
  const pkg = where.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  const ours = where.match(/\bsrc\/([^/]+)\//);
  if (ours) return `src/${ours[1]}`;
  if (where.startsWith('node:')) return 'node:*';
  return path.basename(where);
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map(); // node id → µs
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const functions = new Map();
  const areas = new Map();
  for (const [id, us] of self) {
    const frame = byId.get(id).callFrame;
    let source = null;
    let line = frame.lineNumber + 1;
    const map = frame.url ? sourceMapOf(frame.url) : null;
    if (map) {
      const entry = map.findEntry(frame.lineNumber, frame.columnNumber);
      if (entry?.originalSource) {
        source = entry.originalSource;
        line = entry.originalLine + 1;
      }
    }
    const area = areaOf(frame, source);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const where = source ?? frame.url;
    const key = `${frame.functionName || '(anonymous)'}  ${where ? `${where.replace(/^.*?(node_modules\/|src\/)/, '$1')}:${line}` : ''}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1)}%`;
  const rows = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => ({ what: k, ms: Math.round(us / 1000), share: pct(us) }));
  console.log(`\n${path.basename(file)}: ${(total / 1e6).toFixed(2)} s sampled`);
  console.table(rows(areas, 25));
  console.table(rows(functions, Number(values.top)));
}
