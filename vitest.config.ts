import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Forked workers inherit the environment global-setup prepares (NODE_EXTRA_CA_CERTS is read
    // by Node only at process start, so it must be in place before the workers are forked).
    pool: 'forks',
    globalSetup: 'test/support/global-setup.ts',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
