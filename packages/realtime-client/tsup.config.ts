import { defineConfig } from 'tsup'
import { sdkBuild } from '../../scripts/tsup-shared'

export default defineConfig(sdkBuild())
