// OIDC in the browser: oidc-client-ts + react-oidc-context (provider, hook, route guard).
export { UserManager, WebStorageStateStore } from 'oidc-client-ts'
export { AuthProvider, useAuth, withAuthenticationRequired } from 'react-oidc-context'
