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
