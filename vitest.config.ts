import { defineConfig } from 'vitest/config';

// Three tiers, selected by file suffix (STYLE §8). Integration and end-to-end suites talk to the real local
// PostgreSQL, Redis and nats-server; each suite creates its own database and stream prefix.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['{apps,libs,infra}/**/*.unit.spec.ts'] } },
      {
        test: {
          name: 'int',
          include: ['{apps,libs,infra}/**/*.int.spec.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['{apps,libs,infra}/**/*.e2e.spec.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
