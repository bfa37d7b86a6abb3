/**
 * The idme plugin's HTTP API (port 3010) and ID.me's own documented OAuth/OIDC shapes, as
 * `reference/WIRE.md` gives them. Additions are marked `extension`.
 *
 * - `./idme/constants`: plain data (group scopes and aliases, paths, result codes), no zod;
 * - `./idme/oauth`: ID.me's discovery, authorize, token, revoke, attributes and userinfo;
 * - `./idme/plugin`: the plugin's routes and the route handlers' status.
 */
export * from './idme/constants'
export * from './idme/oauth'
export * from './idme/plugin'
