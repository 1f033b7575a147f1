import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';
import { CodeweaverError} from '../../errors.js';

/** Another `cw index` is writing this index right now. */
export class IndexBusyError extends CodeweaverError {
  constructor(message: string) {
    super(message, 'index_busy');
  }
}

/**
 * One writer per embedded index. SQLite would serialise two writers anyway, but the second would
 * fail minutes later with "database is locked"; this says so at once.
 *
 * What decides is an OS lock: SQLite's write lock on `<index>.lock.db`, an empty database kept
 * for nothing else, held for as long as the writer holds this lock. The kernel gives it to one
 * process at a time and drops it when that process dies (kill -9 too), so there is no stale
 * lock to take over and no race between two processes that both found one: a takeover of a
 * stale lock file (read, judge, unlink, create) let two racing writers both win.
 *
 * `<index>.lock` beside it says who holds it (pid, start time, role), for the refusal another
 * process gets; it is written only under the OS lock. A cw that predates the OS lock knows only
 * that file: one it names that is still running (same pid and start time, or a cw where no
 * start time was recorded) is respected, and a dead one's file is simply overwritten.
 */
export class RunLock {
  private os: Database.Database | null = null;

  constructor(
    private readonly lockPath: string,
    private readonly label: string,
  ) {}

  /**
   * Takes the lock; `role` names the writer in the refusal another process gets (a `cw watch`
   * holds it for its whole life, not for one run).
   */
  acquire(role = 'index'): void {
    if (this.os) return;
    const os = takeOsLock(`${this.lockPath}.db`);
    if (!os) throw this.busy(readHolder(this.lockPath));
    try {
      const holder = readHolder(this.lockPath);
      if (holder && holder.pid !== process.pid && holds(holder)) throw this.busy(holder);
      writeHolder(this.lockPath, role);
    } catch (err) {
      os.close();
      throw err;
    }
    this.os = os;
  }

  release(): void {
    const os = this.os;
    if (!os) return;
    this.os = null;
    // The file first: whoever takes the OS lock next finds no holder to name but itself.
    unlinkQuietly(this.lockPath);
    os.close();
  }

  private busy(holder: Holder | null): IndexBusyError {
    if (!holder || holder.pid === process.pid) {
      return new IndexBusyError(`another cw is writing ${this.label} — wait for it to finish, or stop it`);
    }
    return new IndexBusyError(
      holder.role === 'watch'
        ? `cw watch (pid ${holder.pid}) keeps ${this.label} up to date and is its only writer — it indexes changes by itself; stop it to run cw index`
        : `another cw index (pid ${holder.pid}) is writing ${this.label} — wait for it to finish, or stop it`,
    );
  }
}

/**
 * SQLite's write (RESERVED) lock on `file`, held by an open transaction that never writes; null
 * when another connection, of this process or another, holds it. The file is never removed:
 * a process waiting on an unlinked file's lock would not see the next one's.
 */
function takeOsLock(file: string): Database.Database | null {
  const db = new Database(file, { timeout: 0 });
  try {
    db.exec('BEGIN IMMEDIATE');
    return db;
  } catch (err) {
    db.close();
    if (err instanceof Database.SqliteError && (err.code === 'SQLITE_BUSY' || err.code === 'SQLITE_LOCKED')) return null;
    throw err;
  }
}

/** "pid start role", written whole (a reader never sees half of it). */
function writeHolder(file: string, role: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    // "pid start role": older cw read the first two fields only.
    writeSync(fd, `${process.pid} ${processStart(process.pid) ?? '-'} ${role}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

interface Holder {
  pid: number;
  /** The process's start time as /proc gives it; null when not recorded (older cw, no /proc). */
  start: string | null;
  /** What the writer is ('index', 'watch'); 'index' for locks of older cw. */
  role: string;
}

function readHolder(file: string): Holder | null {
  try {
    const [pidText, start, role] = readFileSync(file, 'utf8').trim().split(/\s+/);
    const pid = Number(pidText);
    return Number.isInteger(pid) && pid > 0 ? { pid, start: start && start !== '-' ? start : null, role: role ?? 'index' } : null;
  } catch {
    return null;
  }
}

/** Whether the lock's writer is still the process behind its pid. */
function holds(holder: Holder): boolean {
  // A zombie answers kill(pid, 0) but runs nothing: a writer killed with -9 is one until reaped.
  if (!isAlive(holder.pid) || isZombie(holder.pid)) return false;
  const now = processStart(holder.pid);
  if (now === null) return true; // no /proc: the pid is all we can go by
  if (holder.start !== null) return now === holder.start;
  return isCwProcess(holder.pid);
}

/**
 * Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. With the
 * pid it names one process for as long as the machine runs. null where /proc is absent.
 */
export function processStart(pid: number): string | null {
  return statFields(pid)?.[19] ?? null;
}

/** Field 3 of /proc/<pid>/stat: Z (zombie) or X (dead) once the process has exited. */
function isZombie(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state === 'Z' || state === 'X';
}

/** /proc/<pid>/stat from field 3 on; null where /proc is absent or the process is gone. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function isCwProcess(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((a) => /(^|\/)cw(\.js)?$/.test(a));
  } catch {
    return true;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
