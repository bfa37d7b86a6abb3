import { defineConfig, mergeConfig } from 'vitest/config'
import { SummaryReporter } from './scripts/vitest/summary-reporter.ts'
import base from './vitest.config'

// Browser tests: the example app built and served against the stubs, driven in Chromium.
export default mergeConfig(
  { resolve: base.resolve },
  defineConfig({
    test: {
      name: 'e2e',
      reporters: ['default', new SummaryReporter()],
      include: ['e2e/**/*.e2e.test.ts'],
      globalSetup: ['e2e/global-setup.ts'],
      testTimeout: 60_000,
      hookTimeout: 180_000,
      fileParallelism: false,
    },
  }),
)
