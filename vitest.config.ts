import { defineConfig } from 'vitest/config';

/**
 * Three projects: `unit` (in-process, under a minute: npm run test:unit), `e2e` (the real CLI and
 * servers) and `reliability` (kill -9, signals, faults, races). `npm test` runs all three.
 * Deadlines are generous (CI runs on a loaded 2-core machine): tests wait by polling a
 * condition, and never assert how long anything took.
 */
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The build first (the runtime is installed by the built CLI), then the onnx runtime.
    globalSetup: ['test/support/fresh-build.ts', 'test/support/onnx-runtime.ts'],
    // Tests open real sockets and spawn the CLI; two cores, so keep parallelism modest.
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**', 'test/reliability/**'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
      { extends: true, test: { name: 'reliability', include: ['test/reliability/**/*.test.ts'] } },
    ],
  },
});
