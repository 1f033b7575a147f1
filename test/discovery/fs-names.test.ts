import { describe, expect, it } from 'vitest';
import { decodeName, fsPath, mayBeLossy } from '../../src/discovery/fs-names.js';
import { quotePath } from '../../src/quote-path.js';

describe('names that are not UTF-8', () => {
  it('keeps UTF-8 names as they are, and turns every other byte into one escaped character and back', () => {
    for (const name of ['plain.js', 'café.js', '日本語.ts', 'emoji-😀.md']) {
      expect(decodeName(Buffer.from(name))).toBe(name);
      expect(fsPath(name)).toBe(name);
    }
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x6a, 0x73]); // "café.js" in Latin-1
    const name = decodeName(latin1);
    expect(name).toBe('caf\uf7e9.js');
    expect(mayBeLossy(name)).toBe(false);
    expect(fsPath(`dir/${name}`)).toEqual(Buffer.concat([Buffer.from('dir/'), latin1]));
    // Valid sequences around bad bytes stay what they are; overlong forms and lone continuation bytes are bytes.
    const mixed = Buffer.concat([Buffer.from('é'), Buffer.from([0xff, 0xc0, 0xaf]), Buffer.from('ü')]);
    expect(decodeName(mixed)).toBe('é\uf7ff\uf7c0\uf7afü');
    expect(fsPath(decodeName(mixed))).toEqual(mixed);
  });

  it('shows each such byte in octal, as git does', () => {
    expect(quotePath('caf\uf7e9.js')).toBe('"caf\\351.js"');
    expect(mayBeLossy('caf\ufffd.js')).toBe(true);
  });
});
