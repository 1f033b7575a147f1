/**
 * A signal in cw's first moments (issue 31: a CI job cancelled at once) ends with exit 130 and,
 * under --json, exactly one document; the process is never killed outright by it. The moment is
 * chosen by watching how much the process has read (/proc/<pid>/io, rchar): Node's own start
 * reads ~25 KB, and cw's modules several hundred more, which bin/cw.js loads only after it holds
 * the signals. So from 64 KB on the signal lands while the modules load, and later.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotEmbeddedIndex } from '../support/index-snapshot.js';
import { assertBuilt, cleanEnv, runCli, spawnCli } from '../e2e/cli-harness.js';
import { CORPORA, makeRepo, onlyOneJson, waitFor, workDir } from './harness.js';

let work: Awaited<ReturnType<typeof workDir>>;
beforeAll(async () => {
  assertBuilt();
  work = await workDir('early-signal');
});
afterAll(() => work.cleanup());

/** Bytes `pid` has read so far (its own start, then the CLI's modules); 0 once it is gone. */
function bytesRead(pid: number): number {
  try {
    return Number(/^rchar:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Past Node's own start (~25 KB here), into the reading of cw's modules. */
const LOADING_MODULES = 64 * 1024;

describe.skipIf(!existsSync('/proc/self/io'))('a signal as cw starts', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s: exit 130 and one JSON document, never death by the signal; the next run equals a clean one', async (signal) => {
    const repo = await makeRepo(work.dir, CORPORA.small);
    for (const command of [['index', repo, '--json'], ['search', 'retry', '-p', repo, '--json'], ['status', repo, '--json']]) {
      for (const extraMs of [0, 0, 30, 120]) {
        const cli = spawnCli(command, { env: cleanEnv() });
        const pid = cli.child.pid!;
        await waitFor(() => bytesRead(pid) >= LOADING_MODULES || cli.child.exitCode !== null, 20_000, 'cw loads its modules');
        if (extraMs) await new Promise((r) => setTimeout(r, extraMs)); // chooses the moment; nothing waits on it
        cli.child.kill(signal);
        const res = await cli.done;
        expect(cli.child.signalCode, `${command[0]} +${extraMs} ms: killed by the signal`).toBeNull();
        const doc = onlyOneJson(res.stdout, res.stderr);
        if (res.code === 130) {
          expect(doc.interrupted, res.stdout).toBe(true);
        } else {
          // The command had finished (or, for search and status, failed on the missing index) first.
          expect([0, 2], res.stderr).toContain(res.code);
        }
      }
    }
    const rest = await runCli(['index', repo, '--json'], { env: cleanEnv() });
    expect(rest.code, rest.stderr).toBe(0);
    const clean = await makeRepo(work.dir, CORPORA.small);
    expect((await runCli(['index', clean], { env: cleanEnv() })).code).toBe(0);
    const db = (r: string) => path.join(r, '.codeweaver', 'index.sqlite');
    expect(snapshotEmbeddedIndex(db(repo)).chunks).toEqual(snapshotEmbeddedIndex(db(clean)).chunks);
  }, 180_000);
});
