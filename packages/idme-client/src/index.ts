// The browser part: what a page needs to show and start a verification. The OAuth client
// (`IdmeClient`) and the route handlers live in `@nself/idme-client/server`, where the client
// secret and the state are: nothing here is imported from there.
export type { HealthOptions } from '@nself/client-core'
export { isNselfError, NselfError } from '@nself/client-core'
export {
  IDME_GROUP_ALIASES,
  IDME_GROUP_LABELS,
  IDME_GROUP_SCOPES,
  IDME_RESULT_ERRORS,
  type IdmeGroup,
  type IdmeGroupInput,
  type IdmeResultError,
  type IdmeStatus,
  normalizeIdmeGroup,
} from '@nself/contracts/idme'
export { getIdmeHealth } from './health'
export { idmeGroupLabel } from './labels'
export { type UseIdmeVerification, useIdmeVerification } from './react/use-idme-verification'
export {
  IdmeBadge,
  type IdmeBadgeProps,
  VerifyWithIdmeButton,
  type VerifyWithIdmeButtonProps,
} from './react/verify-with-idme-button'
export { type IdmeResult, idmeResultCode, idmeResultError, parseIdmeResult } from './result'
export {
  createIdmeVerification,
  type IdmeVerification,
  type IdmeVerificationOptions,
  type IdmeVerificationState,
  type IdmeVerificationStatus,
  type VerifyOptions,
} from './verification'
