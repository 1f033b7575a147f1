import { describe, expect, it } from 'vitest';
import { DownloadView } from '../../src/cli/download-view.js';
import { Output } from '../../src/cli/output.js';

function capture() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WriteStream;
  const out = new Output({ json: true, quiet: false, verbose: false, stdout: stream, stderr: stream, env: {} });
  return { out, lines };
}

describe('DownloadView off a TTY', () => {
  it('a line when each file starts and ends, and between them one per interval, not one per chunk received', () => {
    const { out, lines } = capture();
    let now = 0;
    const view = new DownloadView(out, 5000, () => now);
    const MB = 1024 * 1024;
    for (let received = 1; received <= 190; received++) {
      now = received * 100; // a megabyte every 0.1 s: 19 s in all
      view.update({ file: 'onnx/model.onnx', received: received * MB, total: 190 * MB });
    }
    view.update({ file: 'tokenizer.json', received: 2 * MB, total: 2 * MB });
    const shown = lines.map((l) => l.replace(/^\S+ /, '').trim());
    expect(shown[0]).toBe('downloading onnx/model.onnx · 0% · 1.0 MB of 190 MB');
    // 19 s of download at one line per 5 s: the first, three heartbeats, the last.
    expect(shown.filter((l) => l.startsWith('downloading onnx/model.onnx'))).toHaveLength(5);
    expect(shown.at(-2)).toBe('downloading onnx/model.onnx · 100% · 190 MB of 190 MB');
    expect(shown.at(-1)).toBe('downloading tokenizer.json · 100% · 2.0 MB of 2.0 MB');
  });
});
