/**
 * File names that are not UTF-8 or hold a newline (issue 31): indexed like any other, found by
 * search, shown escaped as git shows them, left unread by an unchanged rerun, removed when gone.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cleanEnv, onlyJson, runCli } from './cli-harness.js';

let work: string;
beforeAll(async () => {
  assertBuilt();
  work = await mkdtemp(path.join(os.tmpdir(), 'cw-names-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const latin1 = (s: string) => Buffer.from(s, 'latin1');

describe('unusual file names', () => {
  it('a Latin-1 name (file and directory) and a name with a newline are indexed, found, shown escaped, and removed when gone', async () => {
    const repo = path.join(work, 'repo');
    await mkdir(repo);
    await writeFile(path.join(repo, 'codeweaver.config.json'), '{}');
    // Node takes Buffer paths as raw bytes: these names are not UTF-8.
    await writeFile(Buffer.concat([latin1(`${repo}/caf`), Buffer.of(0xe9), latin1('.js')]), 'function latinNamedFunction() { return 1 }\n');
    await mkdir(Buffer.concat([latin1(`${repo}/r`), Buffer.of(0xe9), latin1('sum')]));
    await writeFile(Buffer.concat([latin1(`${repo}/r`), Buffer.of(0xe9), latin1('sum/inner.py')]), 'def resume_inside_latin_dir():\n    return 2\n');
    await writeFile(path.join(repo, 'two\nlines.js'), 'function newlineNamedFunction() { return 3 }\n');

    const first = onlyJson(await runCli(['index', repo, '--json'], { env: cleanEnv() }));
    expect(first.files.skipped.unreadable ?? 0).toBe(0);
    expect(first.files.indexed).toBe(3); // not codeweaver.config.json: the tool's settings are no code

    for (const [query, jsonPath, shown] of [
      ['latinNamedFunction', 'caf\uf7e9.js', '"caf\\351.js":1'],
      ['resume_inside_latin_dir', 'r\uf7e9sum/inner.py', '"r\\351sum/inner.py":1'],
      ['newlineNamedFunction', 'two\nlines.js', '"two\\nlines.js":1'],
    ] as const) {
      const json = onlyJson(await runCli(['search', query, '-p', repo, '--json'], { env: cleanEnv() }));
      expect(json.results[0].path).toBe(jsonPath);
      const human = await runCli(['search', query, '-p', repo], { env: cleanEnv(), cwd: repo });
      expect(human.stdout.split('\n')[0]).toContain(shown);
    }

    // Unchanged every time; once their stat data is past the racy margin (3 s after the
    // write), a rerun knows them by it and reads none. Polled: each rerun is a real one.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const again = onlyJson(await runCli(['index', repo, '--json'], { env: cleanEnv() }));
      expect(again.files).toMatchObject({ indexed: 0, unchanged: 3 });
      if (again.files.unchanged_by_stat === 3) {
        expect(again.files.read).toBe(0);
        break;
      }
      if (Date.now() > deadline) throw new Error(`stat data never settled: ${JSON.stringify(again.files)}`);
    }

    await rm(Buffer.concat([latin1(`${repo}/caf`), Buffer.of(0xe9), latin1('.js')]));
    const gone = onlyJson(await runCli(['index', repo, '--json'], { env: cleanEnv() }));
    expect(gone.files).toMatchObject({ deleted: 1, indexed: 0 });
    expect(onlyJson(await runCli(['search', 'latinNamedFunction', '-p', repo, '--json'], { env: cleanEnv() })).results.map((r: any) => r.path)).not.toContain('caf\uf7e9.js');
  }, 60_000);
});
