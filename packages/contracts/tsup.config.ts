import { defineConfig } from 'tsup'
import { sdkBuild } from '../../scripts/tsup-shared'

export default defineConfig(
  sdkBuild({
    'index': 'src/index.ts',
    'realtime': 'src/realtime.ts',
    'notifications': 'src/notifications.ts',
    'jobs': 'src/jobs.ts',
    'files': 'src/files.ts',
    'idme': 'src/idme.ts',
  }),
)
