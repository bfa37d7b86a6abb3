import { defineConfig } from 'tsup'
import { sdkBuild } from '../../scripts/tsup-shared'

export default defineConfig(
  sdkBuild({
    'index': 'src/index.ts',
    'testing': 'src/testing.ts',
  }),
)
