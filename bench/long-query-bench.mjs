// How long a CLI search with a whole issue as the query takes, against another build of cw, side
// by side in one run (issue 24: a long query's search must stay within 1.2x of what it took
// before the ranking work). The repository of the dev split's instances is checked out once (the
// first instance's base commit), indexed by each build in its own copy, and every instance's whole
// issue is searched with both builds in turn (order alternating), `cw search --json --limit 10`.
//
//   node bench/long-query-bench.mjs --clones /work/.mirror --baseline /tmp/cw-base/bin/cw.js [--repo pytest-dev/pytest] [--rounds 3]
//
// The baseline build: `git worktree add /tmp/cw-base <commit>`, link node_modules, `npx tsc && node scripts/bundle.mjs`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEV_SPLIT, gitDirOf, readInstances } from './swebench-lite.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const clones = flag('--clones');
const baseline = flag('--baseline');
if (!clones || !baseline) throw new Error('--clones DIR and --baseline PATH/TO/bin/cw.js are required');
const repo = flag('--repo', 'pytest-dev/pytest');
const rounds = Number(flag('--rounds', 3));
const data = flag('--data', DEV_SPLIT);
const builds = { baseline: path.resolve(baseline), current: path.join(ROOT, 'bin', 'cw.js') };

const instances = readInstances(data).filter((d) => d.repo === repo);
if (instances.length === 0) throw new Error(`no instance of ${repo} in ${data}`);
const gitDir = gitDirOf(clones, repo);

const work = mkdtempSync(path.join(os.tmpdir(), 'cw-long-query-'));
try {
  const copies = {};
  for (const build of Object.keys(builds)) {
    copies[build] = path.join(work, build);
    const sh = spawnSync('sh', ['-c', `mkdir -p "${copies[build]}" && git --git-dir "${gitDir}" archive ${instances[0].base_commit} | tar -x -C "${copies[build]}"`]);
    if (sh.status !== 0) throw new Error(String(sh.stderr));
    const ix = spawnSync(process.execPath, [builds[build], 'index', copies[build], '-q']);
    if (ix.status !== 0) throw new Error(`${build}: cw index failed: ${ix.stderr}`);
  }
  const times = { baseline: [], current: [] };
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    for (const [i, d] of instances.entries()) {
      const order = (r + i) % 2 === 0 ? ['baseline', 'current'] : ['current', 'baseline'];
      const took = {};
      for (const build of order) {
        const t0 = process.hrtime.bigint();
        const res = spawnSync(process.execPath, [builds[build], 'search', d.problem_statement, '-p', copies[build], '--json', '--limit', '10'], { encoding: 'utf8', maxBuffer: 1 << 26 });
        took[build] = Number(process.hrtime.bigint() - t0) / 1e6;
        if (res.status !== 0) throw new Error(`${build}: cw search failed: ${res.stderr}`);
        times[build].push(took[build]);
      }
      ratios.push(took.current / took.baseline);
    }
  }
  const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  console.log(`${repo}: ${instances.length} whole issues (${Math.min(...instances.map((d) => d.problem_statement.length))}–${Math.max(...instances.map((d) => d.problem_statement.length))} characters) × ${rounds} rounds, CLI search --limit 10\n`);
  console.log('| build | median ms | p90 ms |\n| --- | ---: | ---: |');
  for (const build of Object.keys(builds)) console.log(`| ${build} | ${q(times[build], 0.5).toFixed(0)} | ${q(times[build], 0.9).toFixed(0)} |`);
  console.log(`\nper query, current / baseline: median ${q(ratios, 0.5).toFixed(2)}x, p90 ${q(ratios, 0.9).toFixed(2)}x`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
