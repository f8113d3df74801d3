import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // better-sqlite3 is native: forks isolate it cleanly between test files.
    pool: 'forks',
    setupFiles: ['test/setup-env.ts'],
    globalSetup: ['test/global-setup.ts'],
  },
});
