// Trigger.dev's React hooks: trigger a task and follow its run in realtime.
export {
  TriggerAuthContext,
  useRealtimeRun,
  useRealtimeRunsWithTag,
  useRun,
  useTaskTrigger,
} from '@trigger.dev/react-hooks'
