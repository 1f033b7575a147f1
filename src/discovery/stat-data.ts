/**
 * Stat data, as git keeps it in its index: a file whose size, modification and change times
 * (nanoseconds), inode and device are what they were when it was recorded has not been written
 * since, so a rerun need not read it. An optimisation of the local case only: the content hash
 * stays the truth, and anything doubtful is read and hashed.
 *
 * The racy case git learned the hard way: a file written within one timestamp tick of when its
 * stat was taken can be written again, with the same size, without its times changing (coarse
 * timestamps: 2 s on FAT, 1 s on some network mounts). Such a file gets no recorded stat data,
 * so the next run reads it; so does a file dated after its stat was taken (a clock that moved
 * backwards, a network mount's clock ahead of ours). A change of the ctime, which no tool can
 * set back, also defeats `touch -d` and a copy that restores old modification times.
 */
import type { BigIntStats } from 'node:fs';

export interface StatData {
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
  dev: bigint;
  /** Our clock when the stat was taken (ns since the epoch). */
  takenAtNs: bigint;
}

/** Files modified less than this before their stat was taken are racy (covers FAT's 2 s tick). */
export const RACY_MARGIN_NS = 3_000_000_000n;

export function statDataOf(st: BigIntStats, takenAtNs: bigint = nowNs()): StatData {
  return { size: Number(st.size), mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino, dev: st.dev, takenAtNs };
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** What a file is recorded with and compared by: the stat data under the chunker's signature. */
export function statKey(stat: StatData, signature: string): string {
  return `${signature}|${stat.size}|${stat.mtimeNs}|${stat.ctimeNs}|${stat.ino}|${stat.dev}`;
}

/** The key to record for a file read with this stat, or null when it is racy (read again next time). */
export function recordableStatKey(stat: StatData, signature: string): string | null {
  const newest = stat.mtimeNs > stat.ctimeNs ? stat.mtimeNs : stat.ctimeNs;
  if (stat.takenAtNs - newest < RACY_MARGIN_NS) return null;
  return statKey(stat, signature);
}
