/**
 * Change detection: which files of the tree need indexing. A file whose stat data are those
 * recorded with it is unchanged without being read (as git's index decides); one read and found
 * to hash as recorded is unchanged too (and its new stat data are recorded, so the next run need
 * not read it); the rest are new or changed. Files left out for their content (binary,
 * minified, …) are remembered with their stat data and left out unread while unchanged.
 *
 * Everything is recorded under the run's content signature: the chunker's, and the secret
 * rules' version when they apply. Another signature reads and re-chunks every file.
 */
import { sha256Hex } from '../ids.js';
import { CONTENT_CHECKS_VERSION, CONTENT_VERDICTS, type ReadResult } from '../discovery/read.js';
import { SECRET_RULES_VERSION } from '../discovery/secret-scan.js';
import type { SkipReason } from '../discovery/skip-reasons.js';
import { recordableStatKey, statKey } from '../discovery/stat-data.js';
import type { DiscoveredFile } from '../discovery/walk.js';
import type { RecordedStat, VectorStore } from '../store/vector-store.js';
import type { Ledger } from './ledger.js';

/**
 * What content skips are recorded under: their verdicts change only with the content checks,
 * and with whether generated files are left out.
 */
export function skipSignatureOf(skipGenerated: boolean): string {
  return `content-checks/${CONTENT_CHECKS_VERSION}${skipGenerated ? '' : '+generated-kept'}`;
}

/**
 * The signature files are recorded under: the chunker's, the content checks' (a file they now
 * leave out must be read again to be found), the secret rules' when they apply, and whether
 * generated files are kept.
 */
export function contentSignatureOf(chunkerSignature: string, settings: { redactSecrets: boolean; skipGenerated: boolean }): string {
  const secrets = settings.redactSecrets ? `+secrets${SECRET_RULES_VERSION}` : '';
  return `${chunkerSignature}+checks${CONTENT_CHECKS_VERSION}${secrets}${settings.skipGenerated ? '' : '+generated-kept'}`;
}

/** A new or changed file, read: what is chunked and then recorded under `fileHash`. */
export interface ChangedRead {
  file: DiscoveredFile;
  fileHash: string;
  text: string;
}

export interface ChangeDetectionDeps {
  store: VectorStore;
  contentSignature: string;
  /** What content skips are recorded under (skipSignatureOf). */
  skipSignature: string;
  /** --full: nothing recorded counts, every file is new. */
  full: boolean;
  ledger: Ledger;
  /** Every path the run sees, for reconciliation. */
  seen: Set<string>;
  /** Files left out for their content this run (read, or known by their stat data). */
  seenSkipped: Set<string>;
  /** A file skipped: the run's own bookkeeping and its listeners. */
  skip: (path: string, reason: SkipReason, afterRead: boolean) => void;
  /** Records stat data and skips in turn with the run's writes (nothing, in a dry run). */
  record: (write: (store: VectorStore) => Promise<void>) => void;
  /** The run is stopping: no more files are handed on. */
  stopping: () => boolean;
}

export class ChangeDetection {
  constructor(private readonly deps: ChangeDetectionDeps) {}

  /** What the index records for a file: its content hash under the content signature. */
  recordedHash(contentHash: string): string {
    return sha256Hex(`${this.deps.contentSignature}\0${contentHash}`);
  }

  /**
   * The files still to read: those whose stat data are as recorded (under the content
   * signature) are counted unchanged here. One lookup per group; files without stat data, or
   * recorded without it (racy), go on to be read.
   */
  async *toRead(groups: AsyncIterable<DiscoveredFile[]>): AsyncGenerator<DiscoveredFile> {
    const { store, contentSignature, ledger } = this.deps;
    for await (const group of groups) {
      const withStat = group.filter((f) => f.stat);
      const recorded = withStat.length === 0 || !store.fileStats ? new Map<string, RecordedStat>() : await store.fileStats(withStat.map((f) => f.path));
      for (const file of group) {
        const rec = file.stat && recorded.get(file.path);
        if (rec && rec.skipped === null && rec.stat === statKey(file.stat!, contentSignature)) {
          this.deps.seen.add(file.path);
          ledger.unchanged(true);
          continue;
        }
        // Left out for its content last time, and not written since: left out again, unread.
        if (rec && rec.skipped !== null && rec.stat === statKey(file.stat!, this.deps.skipSignature)) {
          this.deps.seenSkipped.add(file.path);
          this.deps.skip(file.path, rec.skipped as SkipReason, true);
          continue;
        }
        yield file;
      }
    }
  }

  /**
   * Which files of a group, read, changed: unchanged ones are counted (and their new stat data
   * recorded), skipped ones counted and remembered; the new and changed ones returned in order.
   */
  async changed(group: Array<{ file: DiscoveredFile; read: ReadResult }>): Promise<ChangedRead[]> {
    const { store, contentSignature, ledger } = this.deps;
    const readable = group.filter((g) => g.read.ok).map((g) => g.file.path);
    const recorded = this.deps.full || readable.length === 0 ? new Map<string, string>() : await store.fileHashes(readable);
    const changed: ChangedRead[] = [];
    const restat: Array<{ path: string; fileHash: string; stat: string }> = [];
    const skips: Array<{ path: string; stat: string; reason: string }> = [];
    for (const { file, read } of group) {
      if (!read.ok) {
        this.deps.skip(file.path, read.reason, true);
        if (CONTENT_VERDICTS.has(read.reason)) {
          this.deps.seenSkipped.add(file.path);
          const stat = file.stat && recordableStatKey(file.stat, this.deps.skipSignature);
          if (stat) skips.push({ path: file.path, stat, reason: read.reason });
        }
        continue;
      }
      this.deps.seen.add(file.path);
      ledger.scanned(read.bytes);
      const fileHash = this.recordedHash(read.fileHash);
      if (recorded.get(file.path) === fileHash) {
        ledger.unchanged(false);
        // Read because its stat data differed (touched, copied, checked out again): record the
        // new ones, so the next run need not read it.
        const stat = file.stat && recordableStatKey(file.stat, contentSignature);
        if (stat) restat.push({ path: file.path, fileHash, stat });
        continue;
      }
      if (this.deps.stopping()) break;
      changed.push({ file, fileHash, text: read.text });
    }
    // A store without a stat cache keeps none of this: every file is read and hashed each run.
    if (restat.length > 0 && store.recordStats) this.deps.record((s) => s.recordStats!(restat));
    if (skips.length > 0 && store.recordSkips) this.deps.record((s) => s.recordSkips!(skips));
    return changed;
  }
}
