import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { CodeweaverError, ExitCode } from '../../errors.js';

/** Another `cw index` is writing this index right now. */
export class IndexBusyError extends CodeweaverError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
  }
}

/**
 * One writer per embedded index: `<index>.lock` holds the writer's pid, created exclusively.
 * SQLite would serialise two writers anyway, but the second would fail minutes later with
 * "database is locked"; this says so at once. A lock left by a process that no longer exists
 * (killed, machine restarted) is taken over.
 */
export class RunLock {
  private held = false;

  constructor(
    private readonly lockPath: string,
    private readonly label: string,
  ) {}

  acquire(): void {
    if (this.held) return;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockPath, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        this.held = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = readPid(this.lockPath);
        if (pid !== null && pid !== process.pid && isAlive(pid)) {
          throw new IndexBusyError(
            `another cw index (pid ${pid}) is writing ${this.label} — wait for it to finish, or stop it`,
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

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
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
