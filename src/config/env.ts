/**
 * Every CODEWEAVER_* environment knob, read and validated in one place, before anything is
 * opened or written: a bad value is one line naming the variable, what it takes and what it
 * got (exit 2), never a value silently ignored or a half-made index.
 */
import { ConfigError } from '../errors.js';

/** Where a run writes the embedded index: `auto` lets the store decide (see store/embedded.ts). */
export type WriteThreadKnob = 'on' | 'off' | 'auto';

export interface EnvKnobs {
  /** CODEWEAVER_CHUNK_THREADS: worker threads for chunking; 0 (the default) chunks on the main thread. */
  chunkThreads: number;
  /** CODEWEAVER_WRITE_THREAD: on, off or auto (the default); 1 and 0 are on and off. */
  writeThread: WriteThreadKnob;
  /** CODEWEAVER_GRACE_SECONDS: how long in-flight work may finish after the first Ctrl-C; null: the default. */
  graceSeconds: number | null;
  /** CODEWEAVER_PROGRESS_SECONDS: seconds between progress lines off a terminal; null: the default. */
  progressSeconds: number | null;
  /** CODEWEAVER_DEBUG: any non-empty value prints the stack of an unexpected error. */
  debug: boolean;
  /** CODEWEAVER_SQLITE_VEC: off never loads sqlite-vec (dense search scans every vector); on (the default); 1 and 0 too. */
  sqliteVec: boolean;
}

/** The knobs `env` sets, validated; every bad one is a line of the ConfigError thrown. */
export function readEnvKnobs(env: NodeJS.ProcessEnv): EnvKnobs {
  const problems: string[] = [];
  const set = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };
  const wholeNumber = (name: string, min: number, max: number, fallback: number): number => {
    const raw = set(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (/^\d+$/.test(raw) && n >= min && n <= max) return n;
    problems.push(`${name}: expected a whole number from ${min} to ${max}, got "${env[name]}" — unset it for the default`);
    return fallback;
  };
  const seconds = (name: string): number | null => {
    const raw = set(name);
    if (raw === undefined) return null;
    const n = Number(raw);
    if (Number.isFinite(n) && n > 0 && n <= 86_400) return n;
    problems.push(`${name}: expected a number of seconds above 0 (e.g. 2.5), got "${env[name]}" — unset it for the default`);
    return null;
  };
  const writeThread = ((): WriteThreadKnob => {
    const raw = set('CODEWEAVER_WRITE_THREAD');
    if (raw === undefined || raw === 'auto') return 'auto';
    if (raw === 'on' || raw === '1') return 'on';
    if (raw === 'off' || raw === '0') return 'off';
    problems.push(`CODEWEAVER_WRITE_THREAD: expected on, off or auto, got "${env.CODEWEAVER_WRITE_THREAD}"`);
    return 'auto';
  })();
  const sqliteVec = ((): boolean => {
    const raw = set('CODEWEAVER_SQLITE_VEC');
    if (raw === undefined || raw === 'on' || raw === '1') return true;
    if (raw === 'off' || raw === '0') return false;
    problems.push(`CODEWEAVER_SQLITE_VEC: expected on or off, got "${env.CODEWEAVER_SQLITE_VEC}"`);
    return true;
  })();
  const knobs: EnvKnobs = {
    sqliteVec,
    chunkThreads: wholeNumber('CODEWEAVER_CHUNK_THREADS', 0, 64, 0),
    writeThread,
    graceSeconds: seconds('CODEWEAVER_GRACE_SECONDS'),
    progressSeconds: seconds('CODEWEAVER_PROGRESS_SECONDS'),
    debug: debugRequested(env),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return knobs;
}

/** CODEWEAVER_DEBUG alone, for the CLI's last-resort error report (which may run before the rest is read). */
export function debugRequested(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.CODEWEAVER_DEBUG?.trim());
}
