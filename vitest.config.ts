import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // This checkout's client, as tsconfig.json's `paths` resolves it for tsc and tsx.
    alias: { '@tuneline/client': fileURLToPath(new URL('./clients/typescript/src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Each test file gets its own database and queue prefix, so files run in parallel safely.
    pool: 'forks',
    // Vitest's default on these 2-core machines is one file at a time; most files wait on Postgres,
    // Redis, timers and child processes rather than compute, so two at a time finish far sooner.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
