// The server side of the ID.me flow: the OAuth client (`IdmeClient`, React-free, WebCrypto
// only, so any runtime) and Next.js route handlers on the Web Request/Response API.
export {
  type CreateAuthorizationOptions,
  constantTimeEqual,
  type IdmeAuthorization,
  IdmeClient,
  type IdmeClientOptions,
  normalizeGroups,
} from '../idme-client'
export { codeChallenge, createPkcePair, isCodeVerifier, randomToken } from '../pkce'
export {
  exchangeCode,
  fetchAttributes,
  type IdmeServerClient,
  revokeToken,
  type TokenEndpointAuthMethod,
} from './idme-oauth'
export {
  createIdmeRouteHandlers,
  type IdmeRouteHandlers,
  type IdmeRouteHandlersOptions,
  type RouteHandler,
  sameOriginPath,
  toIdmeStatus,
} from './route-handlers'
export { readCookie, type StatePayload, signState, verifyState } from './state-cookie'
export {
  createMemoryVerificationStore,
  defaultVerificationStore,
  type IdmeVerificationStore,
  type StoredIdmeVerification,
} from './store'
