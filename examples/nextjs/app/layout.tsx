import type { Metadata, Viewport } from 'next'
import type { ReactNode } from 'react'
import { Nav } from './nav'
import { Providers } from './providers'
import './globals.css'

export const metadata: Metadata = {
  title: 'ɳChat — nself SDK example',
  description: 'A chat app on the nself client SDKs, running against nself-stubs',
}

export const viewport: Viewport = { width: 'device-width', initialScale: 1 }

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>
          <Nav />
          {children}
        </Providers>
      </body>
    </html>
  )
}
