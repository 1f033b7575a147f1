import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { startQdrantDouble, type QdrantDouble } from '../doubles/qdrant/index.js';
import { startVoyageServer, type ProviderServer } from '../embedding/servers/index.js';
import { assertBuilt } from '../e2e/cli-harness.js';
import { workDir } from './harness.js';

export interface QdrantRig {
  /** This test file's working directory. */
  readonly work: Awaited<ReturnType<typeof workDir>>;
  /** A fresh validating Qdrant double for each test; its violations fail the test. */
  readonly qdrant: QdrantDouble;
  /** A fresh Voyage loopback server for each test. */
  readonly voyage: ProviderServer;
}

/** Registers the hooks every Qdrant reliability test file needs, and hands out what they made. */
export function qdrantRig(label: string): QdrantRig {
  const rig = {} as { work: QdrantRig['work']; qdrant: QdrantDouble; voyage: ProviderServer };
  beforeAll(async () => {
    assertBuilt();
    rig.work = await workDir(label);
  });
  afterAll(() => rig.work.cleanup());
  beforeEach(async () => {
    rig.qdrant = await startQdrantDouble();
    rig.voyage = await startVoyageServer();
  });
  afterEach(async () => {
    expect(rig.qdrant.violations).toEqual([]);
    await rig.qdrant.close();
    await rig.voyage.close();
  });
  return rig;
}
