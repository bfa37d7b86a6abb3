// The published shape, proven the way a user meets it: `npm pack` every publishable package,
// install the tarballs into a fresh Next.js app created outside the workspace, use a hook in a
// client component, the core in a server component and a route handler, and `next build` it;
// then load the CommonJS builds with require(). Run with `npm run consumer-check`.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const here = join(import.meta.dirname, 'consumer')
const work = join(tmpdir(), 'nself-consumer-check')
const app = join(work, 'app')
const packs = join(work, 'tarballs')
rmSync(work, { recursive: true, force: true })
mkdirSync(packs, { recursive: true })
mkdirSync(join(app, 'app', 'api', 'health'), { recursive: true })

const run = (cmd, args, cwd) => {
  console.log(`$ ${cmd} ${args.join(' ')}`)
  execFileSync(cmd, args, { cwd, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } })
}

const tarballs = []
for (const dir of readdirSync(join(root, 'packages'))) {
  const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'))
  if (pkg.private || dir === 'server-stubs') continue
  const out = execFileSync('npm', ['pack', '--pack-destination', packs, '--silent'], {
    cwd: join(root, 'packages', dir),
    encoding: 'utf8',
  })
  tarballs.push(join(packs, out.trim().split('\n').pop()))
}

const rootPkg = JSON.parse(readFileSync(join(root, 'examples', 'nextjs', 'package.json'), 'utf8'))
writeFileSync(
  join(app, 'package.json'),
  JSON.stringify(
    {
      name: 'nself-consumer',
      private: true,
      type: 'module',
      scripts: { build: 'next build' },
      dependencies: {
        next: rootPkg.dependencies.next,
        react: rootPkg.dependencies.react,
        'react-dom': rootPkg.dependencies['react-dom'],
        '@tanstack/react-query': rootPkg.dependencies['@tanstack/react-query'],
        ...Object.fromEntries(
          tarballs.map((t) => [
            `@nself/${t
              .split('/')
              .pop()
              .replace(/^nself-/, '')
              .replace(/-\d+\.\d+\.\d+.*\.tgz$/, '')}`,
            `file:${t}`,
          ]),
        ),
      },
      devDependencies: {
        typescript: '~5.9.3',
        '@types/react': '^19.2.0',
        '@types/react-dom': '^19.2.0',
        '@types/node': '^20.19.0',
      },
    },
    null,
    2,
  ),
)
writeFileSync(
  join(app, 'tsconfig.json'),
  JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        lib: ['dom', 'esnext'],
        module: 'esnext',
        moduleResolution: 'bundler',
        jsx: 'preserve',
        strict: true,
        skipLibCheck: true,
        noEmit: true,
        esModuleInterop: true,
        isolatedModules: true,
        resolveJsonModule: true,
        incremental: true,
        plugins: [{ name: 'next' }],
      },
      include: ['next-env.d.ts', '**/*.ts', '**/*.tsx'],
      exclude: ['node_modules'],
    },
    null,
    2,
  ),
)
writeFileSync(
  join(app, 'app', 'layout.tsx'),
  'export default function Layout({ children }: { children: React.ReactNode }) {\n  return (\n    <html lang="en">\n      <body>{children}</body>\n    </html>\n  )\n}\n',
)
copyFileSync(join(here, 'app-page.tsx'), join(app, 'app', 'page.tsx'))
copyFileSync(join(here, 'client-panel.tsx'), join(app, 'app', 'client-panel.tsx'))
copyFileSync(join(here, 'route.ts'), join(app, 'app', 'api', 'health', 'route.ts'))
copyFileSync(join(here, 'cjs-check.cjs'), join(app, 'cjs-check.cjs'))

run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], app)
run('npx', ['next', 'build'], app)
run('node', ['cjs-check.cjs'], app)
console.log(`\nconsumer check passed: ${tarballs.length} packages installed from tarballs into ${app}`)
