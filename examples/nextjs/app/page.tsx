import { HealthPanel } from './health-panel'

export default function Home() {
  return (
    <main className="page">
      <h1>ɳChat</h1>
      <p>
        A chat app on the nself client SDKs. Each plugin below is read through its SDK package against{' '}
        <code>nself-stubs</code>.
      </p>
      <HealthPanel />
    </main>
  )
}
