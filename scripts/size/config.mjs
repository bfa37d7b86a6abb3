// What the size measurement bundles, and what DESIGN.md ("Budgets") compares it with.

/** Bytes per KB in every figure, table and budget (bundlephobia's KB). */
export const KB = 1024

/** Left out of a package's "own" figure: React and the shared peers DESIGN.md lists (subpaths too). */
export const SHARED_PEERS = [
  'react',
  'react-dom',
  'socket.io-client',
  'tus-js-client',
  '@tanstack/react-query',
  'zod',
]

/** Left out of every "with peers" and anchor figure: the app already pays for React. */
export const REACT = ['react', 'react-dom']

/** Subpaths a browser app does not load: test helpers and idme's Next.js route handlers. */
export const NON_BROWSER_SUBPATHS = new Set(['./package.json', './testing', './server'])

/** The client packages, measured in this order (server-stubs is not shipped to browsers). */
export const PACKAGES = [
  'contracts',
  'client-core',
  'realtime-client',
  'notifications-client',
  'jobs-client',
  'files-client',
  'idme-client',
]

/**
 * Anchors: entry files under tools/bench/anchors/, each exporting what a comparable app imports.
 * `design` is the gzip KB DESIGN.md quotes for it, shown beside today's figure.
 */
export const ANCHORS = [
  { id: 'liveblocks', label: 'Liveblocks react+client', design: 67.9 },
  { id: 'ably', label: 'ably + ably/react', design: 60.5 },
  { id: 'knock', label: 'Knock react-core', design: 32.0 },
  { id: 'novu', label: 'Novu react hooks', design: 46.0 },
  { id: 'uppy', label: 'Uppy core+tus+react', design: 34.7 },
  { id: 'uploadthing', label: 'UploadThing useUploadThing', design: 12.4 },
  { id: 'inngest', label: 'Inngest react', design: 21.1 },
  { id: 'trigger', label: 'Trigger.dev react-hooks', design: 192 },
  { id: 'oidc', label: 'oidc-client-ts + react-oidc-context', design: 19.1 },
  { id: 'arctic', label: 'arctic (no React)', design: 4.6 },
]

/** Which anchors each package is set against (DESIGN.md's "beats" column; Trigger.dev added for jobs). */
export const COMPARISONS = {
  'realtime-client': ['ably', 'liveblocks'],
  'notifications-client': ['knock', 'novu'],
  'jobs-client': ['inngest', 'trigger'],
  'files-client': ['uppy', 'uploadthing'],
  'idme-client': ['arctic', 'oidc'],
}

/** The shared peers on their own (entry files under tools/bench/peers/), for reading "with peers". */
export const PEERS = [
  { id: 'socket-io-client', label: 'socket.io-client', design: 13.2 },
  { id: 'tus-js-client', label: 'tus-js-client', design: 16.4 },
  { id: 'react-query', label: '@tanstack/react-query', design: 10.1 },
  { id: 'zod-mini', label: 'zod/mini', design: 5.3 },
]
