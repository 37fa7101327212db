import { defineConfig } from 'vitest/config';

// The fault suite kills processes and restarts its own services for minutes; it runs only when asked for
// (`npm run test:chaos`, `--project chaos`, or a `.chaos.spec.ts` path), never in a plain `vitest run`.
const chaosRequested = process.argv.slice(2).some((arg) => arg.includes('chaos'));

// Three tiers, selected by file suffix (STYLE §8). Integration and end-to-end suites talk to the real local
// PostgreSQL, Redis and nats-server; each suite creates its own database and stream prefix.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['{apps,libs,infra}/**/*.unit.spec.ts', 'scripts/**/*.unit.spec.ts'] } },
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
      ...(chaosRequested
        ? [
            {
              test: {
                name: 'chaos',
                include: ['{apps,libs,infra}/**/*.chaos.spec.ts'],
                testTimeout: 600_000,
                hookTimeout: 180_000,
                fileParallelism: false,
              },
            },
          ]
        : []),
    ],
  },
});
