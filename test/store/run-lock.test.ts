import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IndexBusyError, processStart, RunLock } from '../../src/store/embedded/run-lock.js';

let dir: string;
let lockPath: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cw-lock-'));
  lockPath = path.join(dir, 'index.sqlite.lock');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('RunLock', () => {
  it('records the pid with its start time, and releases the file', () => {
    const lock = new RunLock(lockPath, 'index');
    lock.acquire();
    expect(readFileSync(lockPath, 'utf8').trim()).toBe(`${process.pid} ${processStart(process.pid)} index`);
    lock.release();
    expect(() => readFileSync(lockPath)).toThrow();
  });

  it('refuses while the recorded process (same pid, same start time) is alive', () => {
    writeFileSync(lockPath, `${process.ppid} ${processStart(process.ppid)}\n`);
    expect(() => new RunLock(lockPath, 'index').acquire()).toThrow(IndexBusyError);
  });

  it('takes over a lock whose pid now belongs to another process (start time differs)', () => {
    writeFileSync(lockPath, `${process.ppid} 1\n`);
    const lock = new RunLock(lockPath, 'index');
    lock.acquire();
    expect(readFileSync(lockPath, 'utf8')).toContain(String(process.pid));
    lock.release();
  });

  it('takes over a lock written without a start time whose pid is not a cw (here: pid 1)', () => {
    writeFileSync(lockPath, '1');
    const lock = new RunLock(lockPath, 'index');
    lock.acquire();
    lock.release();
  });

  it('names a watcher holding the lock in the refusal (its role is recorded)', () => {
    writeFileSync(lockPath, `${process.ppid} ${processStart(process.ppid)} watch\n`);
    expect(() => new RunLock(lockPath, 'index.sqlite').acquire()).toThrow(/^cw watch \(pid \d+\) keeps index\.sqlite up to date/);
  });
});

describe('RunLock: a writer killed with -9', () => {
  it('is taken over while it is still a zombie (exited, not yet reaped)', async () => {
    const { spawn } = await import('node:child_process');
    // The child exits after its parent has become `sleep 30`, which never reaps it (exiting at
    // once, it was sometimes reaped by the shell before the exec).
    const parent = spawn('sh', ['-c', 'sleep 0.5 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()))));
      const deadline = Date.now() + 10_000;
      while (!/^Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8').slice(readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2))) {
        if (Date.now() > deadline) throw new Error('the child did not become a zombie');
        await new Promise((r) => setTimeout(r, 10));
      }
      writeFileSync(lockPath, `${pid} ${processStart(pid)} watch\n`);
      const lock = new RunLock(lockPath, 'index');
      lock.acquire(); // throws IndexBusyError if the zombie counted as a live writer
      expect(readFileSync(lockPath, 'utf8')).toContain(String(process.pid));
      lock.release();
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe('RunLock: racing writers', () => {
  /** A racer process (test/fixtures/run-lock/racer.mjs) and its next message. */
  async function racer(): Promise<{ say: (m: string) => void; next: () => Promise<string>; kill: () => void }> {
    const { fork } = await import('node:child_process');
    const child = fork(path.join(import.meta.dirname, '..', 'fixtures', 'run-lock', 'racer.mjs'), [lockPath], { stdio: 'ignore' as never });
    const inbox: string[] = [];
    const waiting: Array<(m: string) => void> = [];
    child.on('message', (m) => (waiting.length ? waiting.shift()!(String(m)) : inbox.push(String(m))));
    child.on('exit', () => waiting.splice(0).forEach((w) => w('exited')));
    const next = () => (inbox.length ? Promise.resolve(inbox.shift()!) : new Promise<string>((r) => waiting.push(r)));
    expect(await next()).toBe('ready');
    return { say: (m) => child.send(m), next, kill: () => child.kill('SIGKILL') };
  }

  it('gives a stale lock to exactly one of the processes that all found it stale, round after round', async () => {
    for (let round = 0; round < 12; round++) {
      // Stale: the pid of a process that has exited.
      writeFileSync(lockPath, `999999 1 index\n`);
      const racers = await Promise.all([racer(), racer(), racer()]);
      try {
        for (const r of racers) r.say('go');
        const answers = await Promise.all(racers.map((r) => r.next()));
        expect(answers.filter((a) => a === 'won'), `round ${round}: ${answers}`).toHaveLength(1);
        expect(answers.filter((a) => a === 'busy')).toHaveLength(2);
        // The loser's refusal names the winner once the winner has written its name.
        const winner = racers[answers.indexOf('won')]!;
        winner.say('release');
        expect(await winner.next()).toBe('released');
      } finally {
        for (const r of racers) r.kill();
      }
    }
  }, 120_000);

  it('is free again the moment its holder is killed with -9, with nothing to take over', async () => {
    const holder = await racer();
    holder.say('go');
    expect(await holder.next()).toBe('won');
    expect(() => new RunLock(lockPath, 'index').acquire()).toThrow(/another cw index \(pid \d+\) is writing/);
    holder.kill();
    await expect
      .poll(() => {
        const lock = new RunLock(lockPath, 'index');
        try {
          lock.acquire();
          lock.release();
          return 'taken';
        } catch (err) {
          return (err as Error).message;
        }
      }, { timeout: 20_000 })
      .toBe('taken');
  });
});
