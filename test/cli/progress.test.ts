import { describe, expect, it } from 'vitest';
import { ProgressView, fmt } from '../../src/cli/progress.js';
import { Output } from '../../src/cli/output.js';
import type { IndexProgress } from '../../src/pipeline/index-run.js';

function capture() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WriteStream;
  const out = new Output({ json: true, quiet: false, verbose: false, stdout: stream, stderr: stream, env: {} });
  return { out, lines };
}

const progress = (p: Partial<IndexProgress>): IndexProgress => ({
  phase: 'indexing',
  filesTotal: 0,
  expectedTotal: null,
  discoveryDone: false,
  filesDone: 0,
  chunksEmbedded: 0,
  chunksWritten: 0,
  elapsedMs: 0,
  ...p,
});

describe('ProgressView off a TTY', () => {
  it('prints heartbeats under --json, with a total that never shrinks and a percentage that never drops', () => {
    const { out, lines } = capture();
    let now = 0;
    const view = new ProgressView(out, 100, () => now);
    view.update(progress({ filesTotal: 10, filesDone: 2, elapsedMs: 100 }));
    view.update(progress({ filesTotal: 50, expectedTotal: 200, filesDone: 50, elapsedMs: 200 }));
    view.update(progress({ filesTotal: 60, expectedTotal: 200, filesDone: 40, elapsedMs: 300 })); // a smaller count must not show
    now = 1000;
    view.update(progress({ filesTotal: 200, expectedTotal: 200, discoveryDone: true, filesDone: 100, elapsedMs: 6000 }));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/2\/10\+ files/);
    expect(lines[1]).toMatch(/\] 25% · 50\/200 files/);
    expect(lines[2]).toMatch(/\] 25% · 50\/200 files/);
    expect(lines[3]).toMatch(/\] 50% · 100\/200 files .*ETA/);
  });

  it('gives no ETA (and no rate) until the rate means something: a few seconds and a few files in', () => {
    const { out, lines } = capture();
    const view = new ProgressView(out, 0, () => 0);
    const total = { filesTotal: 27_583, expectedTotal: 27_583, discoveryDone: true };
    view.update(progress({ ...total, filesDone: 2, elapsedMs: 300 })); // the case users saw: "ETA 1084 min"
    view.update(progress({ ...total, filesDone: 2, elapsedMs: 3000 }));
    view.update(progress({ ...total, filesDone: 200, elapsedMs: 6000 })); // < 1% of the files
    view.update(progress({ ...total, filesDone: 400, elapsedMs: 8000 }));
    expect(lines[0]).not.toMatch(/files\/s|ETA/);
    expect(lines[0]).toMatch(/0% · 2\/27,583 files/);
    expect(lines[1]).not.toMatch(/ETA/);
    expect(lines[1]).toMatch(/1 files\/s/);
    expect(lines[2]).not.toMatch(/ETA/);
    expect(lines[3]).toMatch(/1% · 400\/27,583 files · 50 files\/s · ETA 9 min 4 s/);
  });

  it('says when the provider is being retried, for as long as the wait lasts', () => {
    const { out, lines } = capture();
    let now = 0;
    const view = new ProgressView(out, 100, () => now);
    view.retrying('voyage', { attempt: 1, error: new Error('429'), verdict: 'rate-limited', delayMs: 12_000 });
    view.update(progress({ filesTotal: 10, filesDone: 1, elapsedMs: 100 }));
    now = 13_000;
    view.update(progress({ filesTotal: 10, filesDone: 2, elapsedMs: 200 }));
    expect(lines[0]).toMatch(/voyage retrying \(429, next in 12 s\)/);
    expect(lines[1]).not.toMatch(/retrying/);
  });
});

describe('fmt', () => {
  it('groups digits exactly as toLocaleString("en-US") does', () => {
    const values = [0, -0, 1, 7, 12, 999, 1000, 1001, 9999, 10000, 123456, 999999, 1000000, 1234567, 98765432, 2 ** 31, 2 ** 53 - 1, -1, -1234, -(2 ** 53 - 1)];
    // Fractions and values past 2^53 are handed to toLocaleString; they must still agree.
    const handedOn = [0.5, 1.25, 1234.5678, -0.0004, 12.3456, 0.0005, 2 ** 53, 1e21, Infinity, NaN];
    for (const n of [...values, ...handedOn]) expect(fmt(n), String(n)).toBe(n.toLocaleString('en-US'));
    // A seeded generator (mulberry32), so a failure names a value that fails again.
    let seed = 0x2545f491;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    for (let i = 0; i < 2000; i++) {
      const n = Math.floor(random() ** 3 * 1e12) * (i % 2 ? -1 : 1);
      expect(fmt(n), String(n)).toBe(n.toLocaleString('en-US'));
    }
  });
});
