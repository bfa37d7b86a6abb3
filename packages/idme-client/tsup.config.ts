import { defineConfig } from 'tsup'
import { sdkBuild } from '../../scripts/tsup-shared'

export default defineConfig(
  sdkBuild({
    'index': 'src/index.ts',
    'server': 'src/server.ts',
    'testing': 'src/testing.ts',
  }),
)
