// Retrieval quality on SWE-bench Lite (issue 24): for each instance (a real issue, its
// repository at the commit before the fix, the files the fix changed), the repository is
// checked out from a local clone, indexed with the current build (lexical default), and
// searched with the whole issue and with its title; files rank by their first chunk in
// `cw search --json --limit 100`. In the same run, on the same checkout, the SWE-bench paper's
// baseline: BM25 over whole non-test `.py` files (wink-bm25-text-search: lower case, split,
// English stop words out, Porter-2 stems).
//
//   npm run build
//   node bench/quality-bench.mjs --clones DIR [--data FILE] [--only REPO] [--limit N] [--keep DIR] [--json]
//
// DIR holds one clone per repository, as `owner+name/repo` (what the search tool's fetch
// brings: /work/.mirror), `owner+name`, or `name`: a git directory or a work tree with .git.
// --data defaults to ../shared/quality/swebench-lite-dev.jsonl. Prints R@1/5/10, MRR and
// found@100 overall and per repository; --json prints the per-instance ranks as well.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import bm25 from 'wink-bm25-text-search';
import nlp from 'wink-nlp-utils';
import { DEV_SPLIT, gitDirOf, readInstances } from './swebench-lite.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CW = path.join(ROOT, 'bin', 'cw.js');

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const clones = flag('--clones');
if (!clones) throw new Error('--clones DIR is required: the directory that holds a clone of each repository');
const data = flag('--data', DEV_SPLIT);
const only = flag('--only');
const limit = Number(flag('--limit', Infinity));
const asJson = args.includes('--json');
// --keep DIR: checkouts (and their indexes) stay in DIR/<instance_id> and are reused by the
// next run, whose `cw index` is then a rerun (only ranking changed: seconds, not minutes).
const keep = flag('--keep');

const instances = readInstances(data)
  .filter((d) => !only || d.repo === only || d.repo.endsWith(`/${only}`))
  .slice(0, limit);

/** The repository's tree at `commit`, written to a new directory (no .git: nothing to walk twice). */
function checkout(repo, commit, id) {
  if (keep && existsSync(path.join(keep, `${id}.done`))) return path.join(keep, id);
  const dir = keep ? path.join(keep, id) : mkdtempSync(path.join(os.tmpdir(), `cw-quality-${repo.replace('/', '-')}-`));
  if (keep) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  const archive = spawnSync('git', ['--git-dir', gitDirOf(clones, repo), 'archive', '--format=tar', commit], { maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new Error(`git archive ${repo}@${commit}: ${archive.stderr}`);
  execFileSync('tar', ['-x', '-C', dir], { input: archive.stdout, maxBuffer: 1 << 30 });
  // The mark that the checkout is whole lives beside it, not in the tree cw indexes.
  if (keep) writeFileSync(path.join(keep, `${id}.done`), commit);
  return dir;
}

function cw(argv) {
  const res = spawnSync(process.execPath, [CW, ...argv], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (res.status !== 0) throw new Error(`cw ${argv[0]} failed (${res.status}): ${res.stderr.split('\n').slice(-3).join(' ')}`);
  return JSON.parse(res.stdout);
}

/** Distinct files in the order of their first hit. */
function rankedFiles(hits) {
  const seen = new Set();
  for (const h of hits) seen.add(h.path);
  return [...seen];
}

/** The rank (1-based) of the first gold file, or null when it is not among `files`. */
function rankOf(files, gold) {
  const i = files.findIndex((f) => gold.includes(f));
  return i < 0 ? null : i + 1;
}

function title(problem) {
  return problem.split('\n').find((l) => l.trim())?.trim() ?? problem;
}

// --- the baseline: BM25 over whole non-test .py files --------------------------------------

const TEST_DIR = /(^|\/)(tests?|testing)(\/|$)/;
const TEST_FILE = /(^|\/)(test_[^/]*|[^/]*_test|conftest)\.py$/;
const prep = [nlp.string.lowerCase, nlp.string.tokenize0, nlp.tokens.removeWords, nlp.tokens.stem];

function* pythonFiles(dir, rel = '') {
  for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* pythonFiles(dir, p);
    else if (entry.isFile() && p.endsWith('.py') && !TEST_DIR.test(p) && !TEST_FILE.test(p)) yield p;
  }
}

function bm25Index(dir) {
  const engine = bm25();
  engine.defineConfig({ fldWeights: { body: 1 }, bm25Params: { k1: 1.2, b: 0.75 } });
  engine.definePrepTasks(prep);
  const files = [];
  for (const p of pythonFiles(dir)) {
    const full = path.join(dir, p);
    if (statSync(full).size > 1_048_576) continue;
    engine.addDoc({ body: readFileSync(full, 'utf8') }, files.length);
    files.push(p);
  }
  engine.consolidate();
  return { search: (query) => engine.search(query, 100).map(([id]) => files[id]) };
}

// --- the run ---------------------------------------------------------------------------------

const METHODS = ['cw whole issue', 'cw title', 'BM25 files whole issue', 'BM25 files title'];
const results = [];
for (const [n, d] of instances.entries()) {
  const dir = checkout(d.repo, d.base_commit, d.instance_id);
  try {
    cw(['index', dir, '--json', '--quiet']);
    const queries = { whole: d.problem_statement, title: title(d.problem_statement) };
    // Distinct files among the first 10 hits: how much of a page one file takes.
    const spread = {};
    const search = (q, method) => {
      const { results: hits } = cw(['search', q, '-p', dir, '--json', '--limit', '100']);
      spread[method] = new Set(hits.slice(0, 10).map((h) => h.path)).size;
      return rankedFiles(hits);
    };
    const baseline = bm25Index(dir);
    const ranks = {
      'cw whole issue': rankOf(search(queries.whole, 'cw whole issue'), d.gold_files),
      'cw title': rankOf(search(queries.title, 'cw title'), d.gold_files),
      'BM25 files whole issue': rankOf(baseline.search(queries.whole), d.gold_files),
      'BM25 files title': rankOf(baseline.search(queries.title), d.gold_files),
    };
    results.push({ id: d.instance_id, repo: d.repo, ranks, spread });
    process.stderr.write(`${n + 1}/${instances.length} ${d.instance_id}: ${METHODS.map((m) => ranks[m] ?? '-').join(' ')}\n`);
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

function metrics(rows, method) {
  const ranks = rows.map((r) => r.ranks[method]);
  const at = (k) => ranks.filter((r) => r !== null && r <= k).length / ranks.length;
  return {
    n: ranks.length,
    r1: at(1),
    r5: at(5),
    r10: at(10),
    mrr: ranks.reduce((s, r) => s + (r ? 1 / r : 0), 0) / ranks.length,
    found100: ranks.filter((r) => r !== null).length / ranks.length,
    // cw only: distinct files among the first 10 hits, on average.
    files10: rows.every((r) => r.spread?.[method] !== undefined) ? rows.reduce((s, r) => s + r.spread[method], 0) / rows.length : null,
  };
}

const table = (rows) =>
  METHODS.map((m) => {
    const x = metrics(rows, m);
    return `| ${m} | ${x.r1.toFixed(3)} | ${x.r5.toFixed(3)} | ${x.r10.toFixed(3)} | ${x.mrr.toFixed(3)} | ${x.found100.toFixed(3)} | ${x.files10?.toFixed(1) ?? ''} |`;
  }).join('\n');

if (asJson) {
  console.log(JSON.stringify({ results, overall: Object.fromEntries(METHODS.map((m) => [m, metrics(results, m)])) }, null, 2));
} else {
  console.log(`\n${results.length} instances\n\n| method | R@1 | R@5 | R@10 | MRR | found@100 | files in first 10 hits |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n${table(results)}`);
  for (const repo of [...new Set(results.map((r) => r.repo))]) {
    const rows = results.filter((r) => r.repo === repo);
    console.log(`\n${repo} (${rows.length})\n\n| method | R@1 | R@5 | R@10 | MRR | found@100 | files in first 10 hits |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n${table(rows)}`);
  }
}
