// A project's tokens managed over the hub's API with an admin token of that
// project (src/hub/tokenApi.ts), on a real PostgreSQL: what an admin makes
// works at once and what it revokes stops at once; no token, a push token, an
// admin of another project and a bad request are refused (401, 403, 404, 400)
// with no token made or revoked.
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { remoteRecordStore } from '../../src/hub/remoteStore.js'
import { createHubToken, listHubTokens, revokeHubToken } from '../../src/hub/tokenApi.js'
import { listTokens, type TokenInfo } from '../../src/hub/tokens.js'
import { tmpDir } from '../helpers/tmp.js'
import { freshDatabase, startTestHub, type TestHub } from '../unit/hub/harness.js'

let hub: TestHub
let drop: () => Promise<void>
const home = tmpDir('cmc-hub-tokens-home-')
const tokens: Record<'admin' | 'global' | 'push' | 'otherAdmin' | 'other', string> = { admin: '', global: '', push: '', otherAdmin: '', other: '' }

beforeAll(async () => {
  const db = await freshDatabase('tokens')
  drop = db.drop
  hub = await startTestHub(db.url)
  process.env.CMC_HOME = home
  delete process.env.CMC_HUB
  tokens.admin = await hub.token('admin', 'team', 'ada')
  tokens.global = await hub.token('admin', undefined, 'root')
  tokens.push = await hub.token('push', 'team', 'pat')
  tokens.otherAdmin = await hub.token('admin', 'elsewhere', 'olga')
  tokens.other = await hub.token('read', 'elsewhere', 'otto')
})
afterAll(async () => {
  await hub?.close()
  await drop?.()
  rmSync(home, { recursive: true, force: true })
  delete process.env.CMC_HUB_TOKEN
})
beforeEach(() => {
  process.env.CMC_HUB_TOKEN = tokens.admin
})

const as = (token: string | undefined) => {
  if (token === undefined) delete process.env.CMC_HUB_TOKEN
  else process.env.CMC_HUB_TOKEN = token
}
const team = () => hub.at('team')
/** What the database holds: every token, with its revocation. */
const held = async () => (await listTokens(hub.db)).map((t) => `${t.id} ${t.user} ${t.scope} ${t.project} ${t.revokedAt ? 'revoked' : 'live'}`)
const refused = async (p: Promise<unknown>) => {
  const e = (await p.then(
    () => undefined,
    (x: unknown) => x,
  )) as { code?: string; data?: { status?: number }; message?: string } | undefined
  expect(e, 'the hub refused').toBeDefined()
  return e!
}

describe('tokens over the API', () => {
  it('an admin of the project makes a token that works at once, and lists the project’s tokens only', async () => {
    const made = await createHubToken(team(), { user: 'carol', scope: 'read' })
    expect(made).toMatchObject({ user: 'carol', scope: 'read', project: 'team', revokedAt: null })
    expect(made.token).toMatch(/^cmc_/)
    // the new token reads the project
    as(made.token)
    expect(await remoteRecordStore(team()).list(undefined)).toEqual([])
    as(tokens.admin)
    const listed = await listHubTokens(team())
    expect(listed.map((t) => t.user).sort()).toEqual(['ada', 'carol', 'pat'])
    // the list never carries a token's text or hash
    expect(JSON.stringify(listed)).not.toContain(made.token)
    expect(listed.every((t: TokenInfo & { hash?: string; token?: string }) => t.hash === undefined && t.token === undefined)).toBe(true)
  })

  it('a revoked token is refused at once', async () => {
    const made = await createHubToken(team(), { user: 'dave', scope: 'push' })
    const gone = await revokeHubToken(team(), made.id)
    expect(gone.revokedAt).not.toBeNull()
    as(made.token)
    const e = await refused(remoteRecordStore(team()).list(undefined))
    expect(e).toMatchObject({ code: 'HUB_UNAUTHORIZED', data: { status: 401 } })
  })

  it('an admin of every project manages this one too', async () => {
    as(tokens.global)
    const made = await createHubToken(team(), { user: 'erin', scope: 'read' })
    expect(made.project).toBe('team')
    expect((await listHubTokens(team())).some((t) => t.id === made.id)).toBe(true)
  })

  it('no token, a push token, an admin of another project: 401 and 403, and nothing made, listed or revoked', async () => {
    const victim = (await listTokens(hub.db)).find((t) => t.user === 'pat')!
    const before = await held()
    for (const [token, status] of [
      [undefined, 401],
      ['cmc_not-a-token', 401],
      [tokens.push, 403],
      [tokens.other, 403],
      [tokens.otherAdmin, 403],
    ] as const) {
      as(token)
      for (const call of [
        () => createHubToken(team(), { user: 'mallory', scope: 'admin' }),
        () => listHubTokens(team()),
        () => revokeHubToken(team(), victim.id),
      ]) {
        const e = await refused(call())
        expect(e, `${token ?? 'no token'}: ${e.message}`).toMatchObject({ code: 'HUB_UNAUTHORIZED', data: { status } })
      }
    }
    expect(await held()).toEqual(before)
  })

  it('a token of another project cannot be revoked through this one, and a bad request makes nothing', async () => {
    const other = (await listTokens(hub.db)).find((t) => t.user === 'otto')!
    const before = await held()
    const e = await refused(revokeHubToken(team(), other.id))
    expect(e).toMatchObject({ code: 'RECORD_NOT_FOUND', data: { status: 404 } })
    expect(e.message).toBe(`no token has id ${other.id} in project team`)
    const scope = await refused(createHubToken(team(), { user: 'frank', scope: 'root' as 'admin' }))
    expect(scope).toMatchObject({ code: 'HUB_REQUEST_INVALID', data: { status: 400 } })
    const user = await refused(createHubToken(team(), { user: '../frank', scope: 'read' }))
    expect(user).toMatchObject({ code: 'FLAG_VALUE', data: { status: 400 } })
    expect(await held()).toEqual(before)
  })
})
