#!/usr/bin/env node
import { runCli } from './cli/run-cli'

runCli(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status
    // Should a handle outlive the servers, do not hang the terminal.
    setTimeout(() => process.exit(status), 3_000).unref()
  },
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
