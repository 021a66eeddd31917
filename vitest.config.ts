import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs no server; `integration` needs the servers of `npm run services -- up`.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'test/unit/**/*.test.ts',
            'test/conformance/**/*.test.ts',
            'connectors/**/*.unit.test.ts',
            'transforms/**/*.test.ts',
            'test/chaos/**/*.test.ts',
          ],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          // Prints which servers answer; each suite then calls requireServer() (test/helpers/servers.ts).
          globalSetup: ['test/integration/global-setup.ts'],
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
