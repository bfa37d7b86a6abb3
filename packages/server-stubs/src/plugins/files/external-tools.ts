import { execFile } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { connect } from 'node:net'

/** The programs processing may use when they are installed. */
export type ExternalTool = 'ffmpeg' | 'pdftoppm'

const PROBE_ARGS: Record<ExternalTool, string[]> = { ffmpeg: ['-version'], pdftoppm: ['-v'] }

/**
 * Finds out once per process whether `tool` is on the `PATH`. A tool that is missing makes
 * its operation `unsupported`; it is never faked.
 */
export function hasTool(tool: ExternalTool): Promise<boolean> {
  let found = probes.get(tool)
  if (!found) {
    found = new Promise((resolve) => {
      execFile(tool, PROBE_ARGS[tool], { timeout: 5_000 }, (error) => {
        // pdftoppm -v exits 0 on new poppler and 99 on old; only "not found" means missing.
        const code = (error as NodeJS.ErrnoException | null)?.code
        resolve(code !== 'ENOENT' && code !== 'EACCES')
      })
    })
    probes.set(tool, found)
  }
  return found
}
const probes = new Map<ExternalTool, Promise<boolean>>()

/** Runs `tool` with `args` (no shell), failing after `timeoutMs`. */
export function runTool(tool: ExternalTool, args: string[], timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { timeout: timeoutMs, maxBuffer: 1024 * 1024 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${tool} failed: ${String(stderr).trim().slice(0, 500) || error.message}`))
      else resolve()
    })
  })
}

/** What ClamAV said about a file. */
export type ScanOutcome =
  | { status: 'clean'; signature: string | null }
  | { status: 'infected'; threats: string[]; signature: string | null }
  | { status: 'error'; message: string }

/**
 * Scans `path` with a ClamAV daemon over its `INSTREAM` command (clamd's TCP protocol):
 * chunks of `<length: uint32 BE><bytes>`, then a zero length; the answer is
 * `stream: OK` or `stream: <threat> FOUND`.
 */
export function scanWithClamav(
  path: string,
  target: { host: string; port: number },
  timeoutMs = 60_000,
): Promise<ScanOutcome> {
  return new Promise((resolve) => {
    const socket = connect(target.port, target.host)
    const input = createReadStream(path, { highWaterMark: 64 * 1024 })
    let answer = ''
    let settled = false
    const finish = (outcome: ScanOutcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      input.destroy()
      socket.destroy()
      resolve(outcome)
    }
    const timer = setTimeout(() => finish({ status: 'error', message: 'ClamAV timed out' }), timeoutMs)
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      answer += chunk
      if (answer.includes('\0') || answer.includes('\n')) finish(parseClamavAnswer(answer))
    })
    socket.on('end', () => finish(parseClamavAnswer(answer)))
    socket.on('error', (error) => finish({ status: 'error', message: `ClamAV: ${error.message}` }))
    socket.on('connect', () => {
      socket.write('zINSTREAM\0')
      input.on('data', (chunk) => {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
        const length = Buffer.alloc(4)
        length.writeUInt32BE(buffer.length)
        if (!socket.write(Buffer.concat([length, buffer]))) {
          input.pause()
          socket.once('drain', () => input.resume())
        }
      })
      input.on('end', () => socket.write(Buffer.alloc(4)))
      input.on('error', (error) => finish({ status: 'error', message: error.message }))
    })
  })
}

function parseClamavAnswer(raw: string): ScanOutcome {
  const line = raw.replace(/\0/g, '').trim()
  if (/:\s*OK$/.test(line)) return { status: 'clean', signature: null }
  const found = /:\s*(.+)\s+FOUND$/.exec(line)
  if (found?.[1]) return { status: 'infected', threats: [found[1]], signature: null }
  return { status: 'error', message: line ? `ClamAV: ${line}` : 'ClamAV closed the connection' }
}
