// A generated repository shaped like babel's checkout (27.6 k tracked files in 14.5 k
// directories: packages of sources and many small test-fixture directories), as a git
// repository with two branches: `main`, and `switch`, where about 10,000 files differ (edited,
// deleted, added), for a branch switch as a burst of events.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Packages × (11 source dirs of 8 files, 80 fixture dirs of 1–2 files): ~27.6 k files, ~14 k dirs. */
export const SHAPE = { packages: 150, sourceDirs: 10, filesPerSourceDir: 8, fixtureDirs: 80 };

function source(pkg, dir, file, variant) {
  const name = `p${pkg}_d${dir}_f${file}`;
  return `// ${name}${variant ? ` (${variant})` : ''}
export function ${name}(input, options = {}) {
  const seen = new Set();
  for (const item of input) {
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    options.visit?.(item, ${pkg * 1000 + dir * 10 + file});
  }
  return seen.size${variant ? ` + ${variant.length}` : ''};
}
`;
}

const git = (cwd, ...args) => execFileSync('git', args, { cwd, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x' } });

/** Writes the tree (once) at `dir` and returns its file and directory counts. */
export function makeWatchTree(dir) {
  if (existsSync(path.join(dir, '.git', 'refs', 'heads', 'switch'))) return;
  rmSync(dir, { recursive: true, force: true });
  const { packages, sourceDirs, filesPerSourceDir, fixtureDirs } = SHAPE;
  const write = (rel, text) => {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  };
  for (let p = 0; p < packages; p++) {
    for (let d = 0; d < sourceDirs; d++) for (let f = 0; f < filesPerSourceDir; f++) write(`packages/pkg-${p}/src/d${d}/f${f}.js`, source(p, d, f, ''));
    for (let c = 0; c < fixtureDirs; c++) {
      write(`packages/pkg-${p}/test/fixtures/case-${c}/input.js`, `const fixture${p}_${c} = ${c};\n`);
      if (c % 3 === 0) write(`packages/pkg-${p}/test/fixtures/case-${c}/output.js`, `var fixture${p}_${c} = ${c};\n`);
    }
  }
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'main');
  // The other branch: in 60 of the packages, every source file edited, a third of the fixture
  // directories deleted and as many added (~4,800 edits, ~3,200 deletions, ~1,600 additions).
  git(dir, 'checkout', '-q', '-b', 'switch');
  for (let p = 0; p < 60; p++) {
    for (let d = 0; d < sourceDirs; d++) for (let f = 0; f < filesPerSourceDir; f++) write(`packages/pkg-${p}/src/d${d}/f${f}.js`, source(p, d, f, 'switched'));
    for (let c = 0; c < fixtureDirs; c += 3) rmSync(path.join(dir, `packages/pkg-${p}/test/fixtures/case-${c}`), { recursive: true });
    for (let c = 0; c < fixtureDirs; c += 3) write(`packages/pkg-${p}/test/new-fixtures/case-${c}/input.js`, `const added${p}_${c} = ${c};\n`);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'switch');
  git(dir, 'checkout', '-q', 'main');
}
