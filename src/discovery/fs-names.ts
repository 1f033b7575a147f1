/**
 * File names that are not UTF-8 (Latin-1 names from old archives, say: Linux allows any bytes).
 * Node hands such names over with U+FFFD in place of the bad bytes, a string no call can open
 * again. They are kept instead as strings in which each byte that is not part of valid UTF-8
 * stands as one character of U+F780-U+F7FF (byte 0x80 + n -> U+F780 + n; bytes below 0x80 are
 * always valid). That form is what the index stores and searches return; `fsPath` turns it back
 * into the real bytes wherever a file is opened, and `quotePath` shows each such byte as git
 * does (`"caf\351.js"`). Names that are UTF-8, nearly all of them, never change.
 *
 * U+F780-U+F7FF lie in the Private Use Area: a real name made of those characters would be
 * read as raw bytes, a trade taken for a representation that stays a plain string everywhere.
 */
import { isUtf8 } from 'node:buffer';

const BASE = 0xf700;
const ESCAPED = /[\uf780-\uf7ff]/;

/** A name from a directory listing read as bytes: UTF-8 as it is, other bytes escaped. */
export function decodeName(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const len = sequenceLength(bytes, i);
    if (len > 0) {
      out += bytes.toString('utf8', i, i + len);
      i += len;
    } else {
      out += String.fromCharCode(BASE + bytes[i]!);
      i++;
    }
  }
  return out;
}

/** The path to give the file system: the string itself, or its real bytes when it holds escaped ones. */
export function fsPath(path: string): string | Buffer {
  if (!ESCAPED.test(path)) return path;
  const parts: Buffer[] = [];
  let run = '';
  for (const ch of path) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xf780 && cp <= 0xf7ff) {
      if (run) parts.push(Buffer.from(run, 'utf8'));
      run = '';
      parts.push(Buffer.of(cp - BASE));
    } else run += ch;
  }
  if (run) parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

/** Whether a name Node decoded lossily (U+FFFD) may hide bytes that are not UTF-8. */
export function mayBeLossy(name: string): boolean {
  return name.includes('\ufffd');
}

/** The byte a character stands for, when it is an escaped one; null otherwise. */
export function escapedByte(ch: string): number | null {
  const cp = ch.charCodeAt(0);
  return cp >= 0xf780 && cp <= 0xf7ff ? cp - BASE : null;
}

/** Length of the valid UTF-8 sequence at `i` (1-4), or 0 when the byte there starts none. */
function sequenceLength(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number) => i + k < b.length && (b[i + k]! & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const c1 = b[i + 1]!;
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f)) return 0; // overlong, surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const c1 = b[i + 1]!;
    if ((c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return 0; // overlong, beyond U+10FFFF
    return 4;
  }
  return 0;
}
