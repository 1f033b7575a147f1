import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { CodeweaverError, ExitCode } from '../../errors.js';

/** Another `cw index` is writing this index right now. */
export class IndexBusyError extends CodeweaverError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
  }
}

/**
 * One writer per embedded index: `<index>.lock` holds the writer's pid and its start time,
 * created exclusively. SQLite would serialise two writers anyway, but the second would fail
 * minutes later with "database is locked"; this says so at once.
 *
 * A lock is stale, and taken over, when its process no longer exists (killed, machine
 * restarted) or when its pid now belongs to another process: the start time recorded with it
 * (from /proc) differs, or, for a lock written without one, the process is not a cw.
 */
export class RunLock {
  private held = false;

  constructor(
    private readonly lockPath: string,
    private readonly label: string,
  ) {}

  /**
   * Takes the lock; `role` names the writer in the refusal another process gets (a `cw watch`
   * holds it for its whole life, not for one run).
   */
  acquire(role = 'index'): void {
    if (this.held) return;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockPath, 'wx');
        const start = processStart(process.pid);
        // "pid start role": older cw read the first two fields only.
        writeSync(fd, `${process.pid} ${start ?? '-'} ${role}\n`);
        closeSync(fd);
        this.held = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = readHolder(this.lockPath);
        const pid = holder?.pid ?? null;
        if (holder && pid !== process.pid && holds(holder)) {
          throw new IndexBusyError(
            holder.role === 'watch'
              ? `cw watch (pid ${pid}) keeps ${this.label} up to date and is its only writer — it indexes changes by itself; stop it to run cw index`
              : `another cw index (pid ${pid}) is writing ${this.label} — wait for it to finish, or stop it`,
          );
        }
        // Stale: its writer is gone.
        unlinkQuietly(this.lockPath);
      }
    }
    throw new IndexBusyError(`could not lock ${this.label} (${this.lockPath}) — remove the file if no cw is running`);
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    unlinkQuietly(this.lockPath);
  }
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
