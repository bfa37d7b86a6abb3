import { defineConfig } from 'tsup'
import { sdkBuild } from '../../scripts/tsup-shared'

export default defineConfig(
  sdkBuild({
    'index': 'src/index.ts',
    'react/index': 'src/react/index.ts',
  }),
)
