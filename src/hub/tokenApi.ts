// A project's tokens managed over the hub's API (`cmc hub token ... --hub
// https://HUB/PROJECT`), with an admin token of that project in CMC_HUB_TOKEN
// or ~/.cmc/config.yaml: what `cmc hub token` does against the database, for
// an admin who has no database login. Tokens made this way belong to the
// project of the address.
import { hubSettings } from '../config.js'
import { hubClient, requireToken, type HubClient } from './client.js'
import { dbUrl, openDb, type Db } from './db.js'
import type { Scope, TokenInfo } from './tokens.js'

async function withClient<T>(hub: string, fn: (c: HubClient) => Promise<T>): Promise<T> {
  const settings = hubSettings(hub)
  // every token route needs an admin token: without one, say where it goes rather than pass on the hub's 401
  requireToken(settings, 'managing the tokens of', 'admin')
  const client = hubClient(settings, { retryForMs: 5000 })
  try {
    return await fn(client)
  } finally {
    client.close()
  }
}

/** The address's project: the project every token made over the API is for. */
export const tokenProject = (hub: string) => hubSettings(hub).address.project

export const listHubTokens = (hub: string) => withClient(hub, async (c) => (await c.call<{ tokens: TokenInfo[] }>('GET', 'tokens')).tokens)

export const createHubToken = (hub: string, opts: { user: string; scope: Scope }) =>
  withClient(hub, (c) => c.call<TokenInfo & { token: string }>('POST', 'tokens', { user: opts.user, scope: opts.scope }))

export const revokeHubToken = (hub: string, id: number) =>
  withClient(hub, (c) => c.call<TokenInfo & { alreadyRevoked: boolean }>('POST', `tokens/${id}/revoke`, {}))

/** A `cmc hub token` command's work: against the database (--db, CMC_HUB_DB), or with --hub over the hub's API. */
export async function onTokens<T>(flags: { db?: string; hub?: string }, viaDb: (db: Db) => Promise<T>, viaHub: (hub: string) => Promise<T>): Promise<T> {
  if (flags.hub) return viaHub(flags.hub)
  const db = await openDb(dbUrl(flags.db, "--hub https://HUB/PROJECT to manage a project's tokens over the hub's API with an admin token"), { max: 1 })
  try {
    return await viaDb(db)
  } finally {
    await db.close()
  }
}
