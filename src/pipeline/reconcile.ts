/**
 * Reconciliation: the files recorded in the index that a run did not see are removed, as gone
 * from disk or as out of the index's scope (now ignored, or skipped). Only the paths a run
 * answers for are candidates (its filter, its scope, its shard): a narrowed run never removes
 * what it did not look at. A dry run counts what would go.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsPath } from '../discovery/fs-names.js';
import type { RunFilter } from '../discovery/run-filter.js';
import { type Shard } from '../discovery/shard.js';
import type { VectorStore } from '../store/vector-store.js';
import type { Ledger } from './ledger.js';

/** Files removed from the index per store call. */
const DELETE_GROUP = 500;

export interface ReconcileScope {
  covers(path: string): boolean;
  /** The paths it covers, with all below them, when it can name them: the store lists only those. */
  readonly paths?: readonly string[];
}

export interface Reconciliation {
  store: VectorStore;
  root: string;
  /** Every path the run saw (indexed, unchanged or failed). */
  seen: ReadonlySet<string>;
  filter?: RunFilter;
  scope?: ReconcileScope;
  shard?: Shard;
  /** The run's own part of the tree (a shard's), when not the whole. */
  inPart?: (path: string) => boolean;
  dryRun: boolean;
  /** Counts what was removed. */
  ledger: Ledger;
}

export async function removeUnseen(r: Reconciliation): Promise<void> {
  const { store, filter, scope } = r;
  // Collected first: a store may not allow writes while a listing cursor is open.
  const gone: string[] = [];
  for await (const path of store.listFiles(scope?.paths, r.shard)) {
    if (r.seen.has(path) || (filter && !filter.covers(path)) || (scope && !scope.covers(path)) || (r.inPart && !r.inPart(path))) continue;
    gone.push(path);
  }
  for (let i = 0; i < gone.length; i += DELETE_GROUP) {
    const group = gone.slice(i, i + DELETE_GROUP);
    const chunks = r.dryRun ? await store.countChunks(group) : await store.deleteFiles(group);
    let outOfScope = 0;
    for (const path of group) if (await existsOnDisk(join(r.root, path))) outOfScope++;
    r.ledger.removed(chunks, { deleted: group.length - outOfScope, outOfScope });
  }
}

async function existsOnDisk(path: string): Promise<boolean> {
  try {
    await lstat(fsPath(path));
    return true;
  } catch {
    return false;
  }
}
