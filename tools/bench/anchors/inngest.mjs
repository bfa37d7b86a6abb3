// Inngest's React hook for realtime run updates. Not installed by default (it pulls the inngest SDK
// and its OpenTelemetry tree); `flock /tmp/npm.lock npm install -D @inngest/realtime -w nself-bench`
// to measure it.
export { useInngestSubscription } from '@inngest/realtime/hooks'
