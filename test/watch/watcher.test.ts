/**
 * The watcher's policy, with a scripted session over a real directory: what is retried, how
 * long, and what ends it. (test/e2e/watch.test.ts runs the real thing end to end.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError } from '../../src/errors.js';
import { emptySummary, type RunSummary } from '../../src/pipeline/summary.js';
import type { IndexRequest, Session } from '../../src/session/session.js';
import { nativeIgnores } from '../../src/watch/tree-events.js';
import { Watcher, type WatchEvent } from '../../src/watch/watcher.js';
import parcel from '@parcel/watcher';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cw-watcher-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Script = (request: IndexRequest, call: number) => Promise<RunSummary> | RunSummary;

/** The part of a Session the watcher uses, answering runs from a script. */
function scriptedSession(script: Script): { session: Session; requests: IndexRequest[] } {
  const requests: IndexRequest[] = [];
  const session = {
    root: dir,
    loaded: { filepath: null },
    config: {},
    openStore: async () => ({ kind: 'qdrant', location: 'test', shared: true, localFiles: [] }),
    reserveWriter: async () => {},
    index: async (request: IndexRequest) => {
      requests.push(request);
      return script(request, requests.length - 1);
    },
  } as unknown as Session;
  return { session, requests };
}

function summary(files: Partial<RunSummary['files']> = {}, extra: Partial<RunSummary> = {}): RunSummary {
  const s = emptySummary();
  return { ...s, ...extra, files: { ...s.files, ...files } };
}

/** Polls until `condition` holds; the deadline is generous, for a loaded machine. */
async function until(condition: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function start(session: Session, debounceMs = 20) {
  const stop = new AbortController();
  const events: WatchEvent[] = [];
  const watcher = new Watcher({ session, debounceMs, signal: stop.signal, onEvent: (e) => events.push(e), backoff: { initialMs: 5, maxMs: 20 } });
  const done = watcher.run();
  return { stop, events, done };
}

describe('Watcher', () => {
  it('files left for later by an outage are retried until the service answers, with backoff, merged with new changes', async () => {
    let up = false;
    const { session, requests } = scriptedSession((req, call) => {
      if (call === 0) return summary(); // catch-up
      if (!up) {
        for (const p of req.paths ?? []) req.onFileDeferred?.(p, 'voyage is not answering');
        return summary({ failed: req.paths?.length ?? 0 });
      }
      return summary({ indexed: req.paths?.length ?? 0 });
    });
    const w = start(session);
    await until(() => w.events.some((e) => e.type === 'watching'), 'watching');
    await writeFile(path.join(dir, 'a.ts'), 'export const a = 1\n');
    await until(() => w.events.filter((e) => e.type === 'retrying').length >= 1, 'first retry');
    await writeFile(path.join(dir, 'b.ts'), 'export const b = 2\n');
    // A change made during the outage joins the batch being retried.
    await until(() => requests.at(-1)!.paths?.includes('b.ts') === true, 'the new change merged into the retry');
    expect(requests.at(-1)!.paths).toEqual(expect.arrayContaining(['a.ts', 'b.ts']));
    up = true;
    await until(() => w.events.at(-1)?.type === 'indexed' && (w.events.at(-1) as any).summary.files.indexed === 2, 'recovered');
    const retries = w.events.filter((e): e is Extract<WatchEvent, { type: 'retrying' }> => e.type === 'retrying');
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.map((r) => r.attempt)).toEqual(retries.map((_, i) => i + 1));
    expect(retries.map((r) => r.retry_in_ms)).toEqual(retries.map((_, i) => Math.min(20, 5 * 2 ** i))); // doubling, capped
    expect(retries.every((r) => r.kind === 'changes')).toBe(true);
    w.stop.abort();
    await w.done;
  });

  it('a file that fails on its own gets three runs, then a warning, then waits for its next change', async () => {
    const { session, requests } = scriptedSession((req, call) => {
      if (call === 0) return summary();
      for (const p of req.paths ?? []) req.onFileFailed?.(p, 'HTTP 400 — input too long');
      return summary({ failed: req.paths?.length ?? 0 });
    });
    const w = start(session);
    await until(() => w.events.some((e) => e.type === 'watching'), 'watching');
    await writeFile(path.join(dir, 'huge.ts'), 'x\n');
    await until(() => w.events.some((e) => e.type === 'warning'), 'gave up');
    expect(requests.length).toBe(1 + 3);
    const warning = w.events.find((e) => e.type === 'warning') as Extract<WatchEvent, { type: 'warning' }>;
    expect(warning.message).toMatch(/1 file still failed after 3 runs \(huge\.ts: HTTP 400/);
    // Its next change is a new batch.
    await writeFile(path.join(dir, 'huge.ts'), 'y\n');
    await until(() => requests.length === 5, 'tried again after a change');
    w.stop.abort();
    await w.done;
  });

  it('says starting until it receives the tree\'s events, watching from then on, off once stopped', async () => {
    const { session } = scriptedSession(() => summary());
    let admit = (): void => {};
    (session as unknown as { reserveWriter: () => Promise<void> }).reserveWriter = () => new Promise<void>((resolve) => (admit = resolve));
    const stop = new AbortController();
    const events: WatchEvent[] = [];
    const watcher = new Watcher({ session, debounceMs: 20, signal: stop.signal, onEvent: (e) => events.push(e) });
    const done = watcher.run();
    expect(watcher.state).toBe('starting');
    await new Promise((r) => setImmediate(r));
    expect(watcher.state).toBe('starting'); // not subscribed while it waits to be the writer
    admit();
    await until(() => watcher.state === 'watching', 'watching');
    // Subscribed: a change made now is seen, though the catch-up may not have finished.
    await until(() => events.some((e) => e.type === 'watching'), 'caught up');
    stop.abort();
    await done;
    expect(watcher.state).toBe('off');
  });

  it('a burst too large to name path by path is followed by a walk of the whole tree (events it overflowed are lost silently)', async () => {
    // The catch-up is held until every event of the burst has arrived, so the burst is one batch
    // whatever the machine's load.
    for (let d = 0; d < 30; d++) mkdirSync(path.join(dir, `d${d}`)); // watched from the start
    let release = (): void => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const { session, requests } = scriptedSession(async (_req, call) => {
      if (call === 0) await held;
      return summary();
    });
    const w = start(session);
    await until(() => requests.length === 1, 'subscribed, catching up');
    // A second subscription with the same options shares the backend's watcher: once it has seen
    // every path, so has the one under test.
    const seen = new Set<string>();
    const probe = await parcel.subscribe(dir, (_err, events) => events.forEach((e) => seen.add(e.path)), { ignore: await nativeIgnores(dir) });
    for (let d = 0; d < 30; d++) for (let f = 0; f < 50; f++) writeFileSync(path.join(dir, `d${d}`, `f${f}.ts`), `export const x${f} = ${d}\n`);
    await until(() => seen.size >= 30 * 50, 'every event delivered');
    await probe.unsubscribe();
    release();
    await until(() => requests.length >= 3, 'the walk after the burst');
    // The catch-up, the burst (as directories), then the whole tree.
    expect(requests[0]!.paths).toEqual(['']);
    expect(requests[1]!.paths).toHaveLength(30);
    expect(requests[2]!.paths).toEqual(['']);
    // A small batch is not followed by one.
    await writeFile(path.join(dir, 'small.ts'), 'x\n');
    await until(() => requests.length >= 4, 'the small batch');
    expect(requests[3]!.paths).toEqual(['small.ts']);
    w.stop.abort();
    await w.done;
    expect(requests).toHaveLength(4);
  });

  it('a change of .git/HEAD (a checkout, rebase or reset) asks for a walk of the whole tree', async () => {
    await mkdir(path.join(dir, '.git', 'objects'), { recursive: true });
    await writeFile(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    const { session, requests } = scriptedSession(() => summary());
    const w = start(session);
    await until(() => w.events.some((e) => e.type === 'watching'), 'watching');
    await writeFile(path.join(dir, '.git', 'objects', 'ab'), 'x'); // git's internals: not watched
    await writeFile(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/other\n');
    await until(() => requests.length >= 2, 'a batch');
    expect(requests[1]!.paths).toEqual(['']);
    w.stop.abort();
    await w.done;
  });

  it('an error no retry mends (a refused key) ends it; a stop during a backoff ends it at once', async () => {
    const refused = scriptedSession(() => {
      throw new AuthError('voyage: the API key was refused (401) — check VOYAGE_API_KEY');
    });
    await expect(start(refused.session).done).rejects.toThrow(/API key was refused/);

    const down = scriptedSession(() => {
      throw new Error('qdrant: not answering');
    });
    const stop = new AbortController();
    const events: WatchEvent[] = [];
    const done = new Watcher({ session: down.session, debounceMs: 20, signal: stop.signal, onEvent: (e) => events.push(e), backoff: { initialMs: 3_600_000, maxMs: 3_600_000 } }).run();
    await until(() => events.some((e) => e.type === 'retrying'), 'waiting to retry');
    // The backoff is an hour: a stop that waited for it would never end within the test.
    stop.abort();
    await done;
    expect(down.requests).toHaveLength(1);
  });
});
