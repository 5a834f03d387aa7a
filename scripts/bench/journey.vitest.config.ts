import { defineConfig } from 'vitest/config';

/** The journey benchmark on the tests' services (see scripts/bench/journey.ts). */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['scripts/bench/journey.run.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    env: { TZ: 'UTC', LOG_LEVEL: 'silent' },
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
