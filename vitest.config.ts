import { defineConfig } from 'vitest/config';
import preact from '@preact/preset-vite';

export default defineConfig({
  plugins: [preact()],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx', 'test/vectors.test.ts', 'test/integration/**/*.test.ts', 'test/adversarial/**/*.unit.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          // Builds the test and shipped extensions into temp dirs once per run (MESHPASS_TEST_DIST, MESHPASS_SHIPPED_DIST).
          globalSetup: ['test/e2e/harness/global-setup.ts'],
          include: ['test/e2e/**/*.test.ts', 'test/adversarial/**/*.e2e.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
