import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../../src/store/embedded.js';
import { QdrantStore } from '../../src/store/qdrant.js';
import type { VectorStore } from '../../src/store/vector-store.js';
import { startQdrantDouble } from '../doubles/qdrant/index.js';
import { vectorStoreContract } from './contract.js';
import { WRITE_MODES } from './embedded-fixtures.js';

for (const mode of WRITE_MODES) {
  vectorStoreContract(`embedded (SQLite), writes ${mode.name}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-contract-'));
    const made: VectorStore[] = [];
    return {
      make: () => {
        const s = new EmbeddedStore({ path: join(dir, '.codeweaver', 'index.sqlite'), writeThread: mode.writeThread() });
        made.push(s);
        return s;
      },
      cleanup: async () => {
        for (const s of made) await s.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}

vectorStoreContract('qdrant (validating double)', async () => {
  const q = await startQdrantDouble();
  return {
    make: () =>
      new QdrantStore({
        url: q.url,
        apiKeyEnv: 'QDRANT_API_KEY',
        collection: 'contract',
        upsertBatchSize: 2,
        maxConnections: 4,
        timeoutMs: 5000,
        retryPolicy: { maxAttempts: 2, maxTotalWaitMs: 100, baseDelayMs: 1, maxDelayMs: 5 },
      }),
    cleanup: async () => {
      if (q.violations.length > 0) throw new Error(`requests a real Qdrant would reject: ${JSON.stringify(q.violations)}`);
      await q.close();
    },
  };
});
