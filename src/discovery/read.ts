import { constants as fsConstants, type Stats } from 'node:fs';
import { open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import { sep } from 'node:path';
import { sha256Hex } from '../ids.js';
import { decodeName, fsPath } from './fs-names.js';
import type { SkipReason } from './skip-reasons.js';
import type { DiscoveredFile } from './walk.js';

export type ReadResult =
  | { ok: true; text: string; bytes: number; /** sha256 hex of the raw bytes. */ fileHash: string }
  | { ok: false; reason: SkipReason };

/**
 * Verdicts made from a file's bytes alone: the same bytes always get the same one, so a file
 * left out for one of them stays out while its stat data are unchanged. Bump the version when
 * a check below changes what it leaves out.
 */
export const CONTENT_VERDICTS: ReadonlySet<SkipReason> = new Set(['binary', 'minified', 'generated', 'not_utf8']);
export const CONTENT_CHECKS_VERSION = 2;

/** How much of the start of a file is sniffed for NUL bytes, as git does. */
const SNIFF_BYTES = 8192;
/** Files with an average line longer than this are minified (or data), not code to read. */
const MINIFIED_AVG_LINE = 500;
/** ... but only judged once a file is big enough for the average to mean something. */
const MINIFIED_MIN_BYTES = 2048;
/** A generated-code marker must be in a comment within this many lines of the top. */
const GENERATED_HEADER_LINES = 10;

export interface ReadOptions {
  maxFileSize: number;
  /**
   * The real path of the indexed root (symlinks resolved). When given, a file is read only if
   * the descriptor actually opened lies inside it: the check and the read are the same file.
   */
  realRoot?: string;
  /** false keeps files with a generated-code header (indexing.skip_generated); default true. */
  skipGenerated?: boolean;
}

/** Opening never follows a final symlink, and never waits for a FIFO's writer. */
const OPEN_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

/**
 * Reads one discovered file and applies the content checks: size (again, the file may have
 * grown since the walk), binary, encoding, generated header, minified. Never throws for a
 * file's content or an I/O error: every problem is a skip reason.
 *
 * The file may have been replaced since the walk saw it (a FIFO, a symlink to outside the
 * repository, a directory swapped for a link): everything is decided on the opened descriptor,
 * never on a path checked earlier.
 */
export async function readSourceFile(file: DiscoveredFile, options: ReadOptions): Promise<ReadResult> {
  let raw: Buffer;
  try {
    const opened = await openInside(file.absPath, options.realRoot);
    if (!opened.ok) return opened;
    const handle = opened.handle;
    try {
      const st = await handle.stat();
      if (!st.isFile()) return { ok: false, reason: 'special_file' };
      if (st.size > options.maxFileSize) return { ok: false, reason: 'too_large' };
      if (options.realRoot !== undefined && !(await descriptorInside(handle, st, opened.path, options.realRoot))) {
        return { ok: false, reason: 'symlink_outside_root' };
      }
      // Read one byte past the limit so a file that grew after stat is still caught.
      raw = await readUpTo(handle, Math.min(options.maxFileSize + 1, st.size + 1));
      if (raw.length > st.size) raw = Buffer.concat([raw, await readUpTo(handle, options.maxFileSize + 1 - raw.length)]);
    } finally {
      await handle.close();
    }
  } catch {
    return { ok: false, reason: 'unreadable' };
  }
  if (raw.length > options.maxFileSize) return { ok: false, reason: 'too_large' };

  const decoded = decode(raw);
  if (!decoded.ok) return decoded;
  const text = decoded.text;
  if (options.skipGenerated !== false && hasGeneratedHeader(text)) return { ok: false, reason: 'generated' };
  if (looksMinified(text)) return { ok: false, reason: 'minified' };
  return { ok: true, text, bytes: raw.length, fileHash: sha256Hex(raw) };
}

type Opened = { ok: true; handle: FileHandle; path: string } | { ok: false; reason: SkipReason };

/**
 * Opens without following a final symlink. A file reached through a symlink inside the root
 * (the walk allowed it) is opened at its resolved target, again without following; a target
 * that is itself swapped for a link meanwhile fails to open and is skipped.
 */
async function openInside(absPath: string, realRoot: string | undefined): Promise<Opened> {
  try {
    return { ok: true, handle: await open(fsPath(absPath), OPEN_FLAGS), path: absPath };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOOP') return { ok: false, reason: 'unreadable' };
  }
  let target: string;
  try {
    target = decodeName(await realpath(fsPath(absPath), { encoding: 'buffer' }));
  } catch {
    return { ok: false, reason: 'symlink_outside_root' }; // dangling now
  }
  if (realRoot !== undefined && !isInside(target, realRoot)) return { ok: false, reason: 'symlink_outside_root' };
  try {
    return { ok: true, handle: await open(fsPath(target), OPEN_FLAGS), path: target };
  } catch (err) {
    return { ok: false, reason: (err as NodeJS.ErrnoException).code === 'ELOOP' ? 'symlink_outside_root' : 'unreadable' };
  }
}

/**
 * Whether the opened descriptor is a file inside the root. On Linux the kernel names the
 * descriptor's file (/proc/self/fd); elsewhere the path is resolved and must lead to the same
 * inode as the descriptor, so a swap between open and check is caught either way.
 */
async function descriptorInside(handle: FileHandle, st: Stats, openedPath: string, realRoot: string): Promise<boolean> {
  try {
    return isInside(decodeName(await readlink(`/proc/self/fd/${handle.fd}`, { encoding: 'buffer' })), realRoot);
  } catch {
    // no /proc: fall through
  }
  try {
    const real = decodeName(await realpath(fsPath(openedPath), { encoding: 'buffer' }));
    if (!isInside(real, realRoot)) return false;
    const now = await stat(fsPath(real));
    return now.ino === st.ino && now.dev === st.dev;
  } catch {
    return false;
  }
}

function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

async function readUpTo(handle: FileHandle, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < limit) {
    const buf = Buffer.allocUnsafe(Math.min(limit - total, 1 << 20));
    const { bytesRead } = await handle.read(buf, 0, buf.length, null);
    if (bytesRead === 0) break;
    chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
    total += bytesRead;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const utf16le = new TextDecoder('utf-16le', { fatal: true });
const utf16be = new TextDecoder('utf-16be', { fatal: true });
const latin1 = new TextDecoder('latin1'); // WHATWG maps this label to windows-1252

/** Text from raw bytes: UTF-16 by BOM, else binary by NUL sniff, else UTF-8 (BOM stripped), else plausible Latin-1. */
export function decode(raw: Uint8Array): { ok: true; text: string } | { ok: false; reason: SkipReason } {
  try {
    if (raw[0] === 0xff && raw[1] === 0xfe) return { ok: true, text: utf16le.decode(raw.subarray(2)) };
    if (raw[0] === 0xfe && raw[1] === 0xff) return { ok: true, text: utf16be.decode(raw.subarray(2)) };
  } catch {
    return { ok: false, reason: 'not_utf8' };
  }
  if (raw.subarray(0, SNIFF_BYTES).includes(0)) return { ok: false, reason: 'binary' };
  try {
    return { ok: true, text: utf8.decode(raw) }; // strips a UTF-8 BOM
  } catch {
    return isPlausibleLatin1(raw) ? { ok: true, text: latin1.decode(raw) } : { ok: false, reason: 'not_utf8' };
  }
}

/**
 * Latin-1/Windows-1252 text has few control characters and is mostly ASCII; random or
 * compressed bytes are neither.
 */
function isPlausibleLatin1(raw: Uint8Array): boolean {
  const n = Math.min(raw.length, 65536);
  let control = 0;
  let high = 0;
  for (let i = 0; i < n; i++) {
    const b = raw[i]!;
    if (b >= 0x80) high++;
    else if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control++;
    else if (b === 0x7f) control++;
  }
  return control === 0 && high <= n * 0.3;
}

/** Markers that mean "generated" on their own. */
const GENERATED_MARKER = /@generated\b|<auto-generated|\bAUTO-GENERATED FILE\b/i;
/** "generated" in any spelling tools use, and a warning not to edit: together, a generated file. */
const GENERATED_WORD = /\b(?:auto-?generated|(?:automatically |machine[- ])?generated (?:by|from|with|using)|code generated)\b/i;
const DO_NOT_EDIT = /\b(?:do not|don'?t|never) (?:edit|modify|change)\b/i;
const COMMENT_START = /^\s*(?:\/\/|\/\*|\*|#|--|;|<!--|"""|''')/;

/**
 * A generated-code header: a marker, or "generated" and "do not edit" (on one comment line or
 * two), in comments among the first lines. Not a mere mention further down, and not "generated"
 * alone (a comment that says how a value is generated).
 */
function hasGeneratedHeader(text: string): boolean {
  let start = 0;
  let generated = false;
  let doNotEdit = false;
  for (let line = 0; line < GENERATED_HEADER_LINES && start < text.length; line++) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const l = text.slice(start, Math.min(end, start + 500));
    if (COMMENT_START.test(l)) {
      if (GENERATED_MARKER.test(l)) return true;
      generated ||= GENERATED_WORD.test(l);
      doNotEdit ||= DO_NOT_EDIT.test(l);
      if (generated && doNotEdit) return true;
    }
    start = end + 1;
  }
  return false;
}

function looksMinified(text: string): boolean {
  if (text.length < MINIFIED_MIN_BYTES) return false;
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return text.length / lines > MINIFIED_AVG_LINE;
}
