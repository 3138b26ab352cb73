// Vitest configuration for `npm test`: every test/**/*.test.ts file, run from the repository root.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { SummaryReporter } from './summary-reporter.ts';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Forked workers isolate the socket and browser tests; two match the two cores CI has.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    // The e2e suite builds the renderer and launches Chromium in its hooks.
    hookTimeout: 60_000,
    reporters: ['default', new SummaryReporter()],
  },
});
