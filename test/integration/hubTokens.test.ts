// A project's tokens managed over the hub's API with an admin token of that
// project (src/hub/tokenApi.ts), on a real PostgreSQL: what an admin makes
// works at once and what it revokes stops at once; no token at all is refused
// before any request (HUB_TOKEN_MISSING), and a bad token, a push token, an
// admin of another project and a bad request by the hub (401, 403, 404, 400),
// with no token made or revoked.
import { spawn } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { CmcEvent } from '../../src/events.js'
import { remoteRecordStore } from '../../src/hub/remoteStore.js'
import { createHubToken, listHubTokens, revokeHubToken } from '../../src/hub/tokenApi.js'
import { listTokens, type TokenInfo } from '../../src/hub/tokens.js'
import { tmpDir } from '../helpers/tmp.js'
import { bin, freshDatabase, startTestHub, type TestHub } from '../unit/hub/harness.js'

let hub: TestHub
let drop: () => Promise<void>
const home = tmpDir('cmc-hub-tokens-home-')
/** the requests the hub served, as its debug lines name them */
const served: string[] = []
const tokens: Record<'admin' | 'global' | 'push' | 'otherAdmin' | 'other', string> = { admin: '', global: '', push: '', otherAdmin: '', other: '' }

beforeAll(async () => {
  const db = await freshDatabase('tokens')
  drop = db.drop
  hub = await startTestHub(db.url, { events: (e: CmcEvent) => void (e.type === 'log' && e.level === 'debug' && served.push(e.message)) })
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
  )) as { code?: string; data?: { status?: number }; message?: string; hint?: string } | undefined
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

  it('no token at all is HUB_TOKEN_MISSING before any request, its hint saying where a token goes', async () => {
    const victim = (await listTokens(hub.db)).find((t) => t.user === 'pat')!
    const before = await held()
    as(undefined)
    for (const call of [
      () => createHubToken(team(), { user: 'mallory', scope: 'admin' }),
      () => listHubTokens(team()),
      () => revokeHubToken(team(), victim.id),
    ]) {
      served.length = 0
      const e = await refused(call())
      expect(e).toMatchObject({
        code: 'HUB_TOKEN_MISSING',
        exitCode: 2,
        hint: expect.stringMatching(/CMC_HUB_TOKEN.*config\.yaml.*--scope admin --project team/),
      })
      expect(served).toEqual([])
    }
    expect(await held()).toEqual(before)
  })

  it('a bad token, a push token, an admin of another project: 401 and 403, and nothing made, listed or revoked', async () => {
    const victim = (await listTokens(hub.db)).find((t) => t.user === 'pat')!
    const before = await held()
    for (const [token, status] of [
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

describe('cmc hub token ... --hub', () => {
  // not spawnSync: the hub answers from this process's event loop
  const cmc = (args: string[], token: string, cmcHome = home) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'hub', 'token', ...args], { env: { ...process.env, CMC_HOME: cmcHome, CMC_HUB_TOKEN: token, CMC_HUB: '' } })
      let stdout = '',
        stderr = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d))
      child.stderr.on('data', (d: Buffer) => (stderr += d))
      child.on('close', (status) => resolve({ status, stdout, stderr }))
    })

  it('makes, lists and revokes a project token with an admin token, and a push token changes nothing', async () => {
    const made = await cmc(['create', '--user', 'erin', '--scope', 'read', '--hub', team(), '--json'], tokens.admin)
    expect(made.status, made.stderr).toBe(0)
    const t = JSON.parse(made.stdout) as TokenInfo & { token: string }
    expect(t).toMatchObject({ user: 'erin', scope: 'read', project: 'team' })
    const listed = await cmc(['list', '--hub', team()], tokens.admin)
    expect(listed.status, listed.stderr).toBe(0)
    expect(listed.stdout).toMatch(new RegExp(`^${t.id}\\s+erin\\s+read\\s+team`, 'm'))
    expect(listed.stdout).not.toContain(t.token)
    const before = await held()
    const denied = await cmc(['revoke', String(t.id), '--hub', team()], tokens.push)
    expect(denied.status).not.toBe(0)
    expect(denied.stderr).toMatch(/403|not allowed|admin/i)
    expect(denied.stderr).not.toMatch(/\n\s+at /)
    expect(await held()).toEqual(before)
    const revoked = await cmc(['revoke', String(t.id), '--hub', team()], tokens.admin)
    expect(revoked.status, revoked.stderr).toBe(0)
    expect(revoked.stdout).toContain(`token ${t.id} of erin revoked`)
    const at = (await listTokens(hub.db)).find((x) => x.id === t.id)?.revokedAt
    expect(at).not.toBeNull()
    // again: a no-op that says so, and the first revocation's time is kept
    const again = await cmc(['revoke', String(t.id), '--hub', team()], tokens.admin)
    expect(again.status, again.stderr).toBe(0)
    expect(again.stdout).toContain(`token ${t.id} of erin was revoked already, at ${at}`)
    expect((await listTokens(hub.db)).find((x) => x.id === t.id)?.revokedAt).toBe(at)
  })

  it('with no token in the flags, CMC_HUB_TOKEN or config.yaml, fails with HUB_TOKEN_MISSING, the hub asked nothing', async () => {
    // a token in config.yaml goes only to the hub of its hub.url: one for another hub is no token for this one
    const other = tmpDir('cmc-hub-tokens-other-home-')
    writeFileSync(path.join(other, 'config.yaml'), `hub:\n  url: http://127.0.0.1:1/team\n  token: ${tokens.admin}\n`, { mode: 0o600 })
    const before = await held()
    for (const [args, cmcHome] of [
      [['list', '--hub', team()], home],
      [['create', '--user', 'hank', '--scope', 'admin', '--hub', team()], home],
      [['revoke', '1', '--hub', team()], other],
    ] as const) {
      served.length = 0
      const res = await cmc([...args], '', cmcHome)
      expect(res.status, res.stderr).toBe(2)
      expect(res.stderr).toMatch(/HUB_TOKEN_MISSING/)
      expect(res.stderr).toMatch(/managing the tokens of .*\/team needs a token/)
      expect(res.stderr).toMatch(/hint: set CMC_HUB_TOKEN/)
      expect(res.stderr).not.toMatch(/401|HUB_UNAUTHORIZED/)
      expect(served).toEqual([])
    }
    expect(await held()).toEqual(before)
    // the same config.yaml naming this hub is a token
    writeFileSync(path.join(other, 'config.yaml'), `hub:\n  url: ${team()}\n  token: ${tokens.admin}\n`, { mode: 0o600 })
    const listed = await cmc(['list', '--hub', team()], '', other)
    expect(listed.status, listed.stderr).toBe(0)
    expect(listed.stdout).toMatch(/\bada\b/)
    rmSync(other, { recursive: true, force: true })
  })

  it('refuses --hub beside --project or --db before anything is made', async () => {
    const before = await held()
    for (const extra of [
      ['--project', 'team'],
      ['--db', 'postgres://127.0.0.1:1/unused'],
    ]) {
      const res = await cmc(['create', '--user', 'gina', '--hub', team(), ...extra], tokens.admin)
      expect(res.status, res.stderr).toBe(2)
    }
    expect(await held()).toEqual(before)
  })
})
