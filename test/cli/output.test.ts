import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fitToWidth, Output } from '../../src/cli/output.js';

// ora colours through chalk, which decides from this process's own stdout: forced here so that
// colour is visible to the test at all, and only Output's choice (its env's NO_COLOR) removes it.
process.env.FORCE_COLOR = '1';

/** A terminal as ora sees one: a TTY stream of a given width, recording every byte. */
function terminal(columns: number) {
  let written = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      written += String(chunk);
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, {
    isTTY: true,
    columns,
    cursorTo: (_x: number, cb?: () => void) => (cb?.(), true),
    moveCursor: (_dx: number, _dy: number, cb?: () => void) => (cb?.(), true),
    clearLine: (_dir: number, cb?: () => void) => (cb?.(), true),
  });
  return { stream, written: () => written };
}

async function showProgress(env: NodeJS.ProcessEnv, columns: number, text: string): Promise<string> {
  const term = terminal(columns);
  const out = new Output({ json: false, quiet: false, verbose: false, stdout: term.stream, stderr: term.stream, env });
  out.progress(text); // ora loads in the background; the line is shown once it has
  const deadline = Date.now() + 20_000;
  while (!term.written().includes('indexing') && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  out.stopProgress();
  return term.written();
}

const LINE = 'indexing · [██████████░░░░░░░░░░] 50% · 13,791/27,583 files · 412 files/s · ETA 33.4 s · 61,204 chunks written · voyage retrying (429, next in 12 s)';

describe('the live progress line', () => {
  it('NO_COLOR reaches the spinner: no colour escape at all', async () => {
    const plain = await showProgress({ NO_COLOR: '1', TERM: 'xterm' }, 200, LINE);
    expect(plain).toContain('indexing');
    expect(plain).not.toMatch(/\x1b\[3\dm/);
    const coloured = await showProgress({ TERM: 'xterm' }, 200, LINE);
    expect(coloured).toMatch(/\x1b\[36m/); // the same spinner in colour: the test can see colour
  });

  it('fits the terminal: whole parts dropped from the end, never a word cut by the wrap', async () => {
    const shown = await showProgress({ NO_COLOR: '1', TERM: 'xterm' }, 80, LINE);
    const drawn = shown.split(/\r|\n|\x1b\[[0-9;?]*[A-Za-z]/).filter((l) => l.includes('indexing'));
    expect(drawn.length).toBeGreaterThan(0);
    for (const l of drawn) {
      expect(l.length).toBeLessThanOrEqual(80);
      expect(l).toMatch(/files\/s$/); // "412 files/s" is the last part that fits in 78 columns
    }
  });
});

describe('fitToWidth', () => {
  it.each([
    ['a · b · c', 20, 'a · b · c'],
    ['alpha · beta · gamma', 12, 'alpha · beta'],
    ['alpha · beta · gamma', 8, 'alpha'],
    ['averyveryverylongword · b', 10, 'averyvery…'],
  ])('%s in %i columns → %s', (text, width, fitted) => {
    expect(fitToWidth(text, width)).toBe(fitted);
  });
});
