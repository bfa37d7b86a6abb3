// arctic's generic OAuth 2.0 / OIDC client (no React; there is no ID.me provider, so the generic one).
export { decodeIdToken, generateCodeVerifier, generateState, OAuth2Client, OAuth2Tokens } from 'arctic'
