import type { AddressInfo } from 'node:net'
import nodemailer from 'nodemailer'
import { SMTPServer } from 'smtp-server'

/** One message as the capturing SMTP server received it. */
export interface ReceivedEmail {
  /** The envelope recipients. */
  to: string[]
  /** The raw RFC 5322 message. */
  raw: string
  /** Our `X-Nself-Delivery-Id` header, linking it to its delivery. */
  deliveryId: string | null
}

/** An outgoing email. */
export interface OutgoingEmail {
  to: string
  subject: string
  text: string
  html: string
  deliveryId: string
}

/** Sends email over SMTP; started by the notifications stub. */
export interface EmailTransport {
  /** `host:port` of the SMTP server mail goes to. */
  readonly target: string
  /** Whether the stub runs the SMTP server itself (and so sees every raw message). */
  readonly capturing: boolean
  /** Sends one email; rejects when the SMTP server refuses it or cannot be reached. */
  send(email: OutgoingEmail): Promise<void>
  close(): Promise<void>
}

/**
 * Email over real SMTP: to `smtp` when given (Mailpit, a test server), else to a capturing
 * SMTP server started here on a free loopback port, which hands every message to `onReceived`.
 */
export async function createEmailTransport(options: {
  smtp: { host: string; port: number } | undefined
  from: string
  onReceived: (email: ReceivedEmail) => void
}): Promise<EmailTransport> {
  let server: SMTPServer | undefined
  let host: string
  let port: number
  if (options.smtp) {
    host = options.smtp.host
    port = options.smtp.port
  } else {
    const capture = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      size: 10 * 1024 * 1024,
      onData(stream, session, callback) {
        const chunks: Buffer[] = []
        stream.on('data', (chunk: Buffer) => chunks.push(chunk))
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8')
          const id = /^X-Nself-Delivery-Id:\s*(\S+)/im.exec(raw)?.[1] ?? null
          options.onReceived({
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            deliveryId: id,
          })
          callback()
        })
      },
    })
    capture.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      capture.server.once('error', reject)
      capture.listen(0, '127.0.0.1', () => resolve())
    })
    server = capture
    host = '127.0.0.1'
    port = (capture.server.address() as AddressInfo).port
  }
  const transporter = nodemailer.createTransport({
    host,
    port,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: 3_000,
    greetingTimeout: 3_000,
    socketTimeout: 5_000,
  })
  return {
    target: `${host}:${port}`,
    capturing: server !== undefined,
    async send(email) {
      await transporter.sendMail({
        from: options.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        headers: { 'X-Nself-Delivery-Id': email.deliveryId },
      })
    },
    async close() {
      transporter.close()
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
