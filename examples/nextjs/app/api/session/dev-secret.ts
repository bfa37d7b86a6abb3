// The example's own "auth server": it signs the access tokens the SDKs send to the plugins.
// A real app gets them from its identity provider; in development the stubs accept tokens
// signed with NSELF_JWT_SECRET, or with their published development default when it is unset.
export const DEV_USER_COOKIE = 'nself_dev_user'
const DEVELOPMENT_DEFAULT = 'nself-development-secret-do-not-use-in-production'

export function jwtSecret(): Uint8Array {
  const secret =
    process.env.NSELF_JWT_SECRET ?? (process.env.NODE_ENV === 'production' ? undefined : DEVELOPMENT_DEFAULT)
  if (!secret) throw new Error('Set NSELF_JWT_SECRET to sign session tokens')
  return new TextEncoder().encode(secret)
}

/** The signed-in development user, from the cookie the sign-in form sets. */
export function userFromCookie(value: string | undefined): string | null {
  return value && /^[a-z0-9_-]{1,40}$/i.test(value) ? value : null
}
