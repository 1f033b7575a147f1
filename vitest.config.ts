import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests open real sockets and spawn the CLI; two cores, so keep parallelism modest.
    pool: 'forks',
    maxWorkers: 2,
  },
});
