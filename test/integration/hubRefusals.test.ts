// What a hub on a real PostgreSQL answers a client it refuses, as that client
// shows it: the rate limit after wrong tokens comes with what to do, and a
// browser without a token is sent to the login page rather than shown JSON.
import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hubClient } from '../../src/hub/client.js'
import { formatError, type CmcError } from '../../src/errors.js'
import { parseHubAddress } from '../../src/store/location.js'
import { freshDatabase, startTestHub, type TestHub } from '../unit/hub/harness.js'

let hub: TestHub
let drop: () => Promise<void>

beforeAll(async () => {
  const db = await freshDatabase('refusals')
  drop = db.drop
  hub = await startTestHub(db.url, { badTokenLimit: 3, badTokenWindowMs: 60_000 })
})
afterAll(async () => {
  await hub?.close()
  await drop?.()
})

describe('the rate limit after wrong tokens', () => {
  it('answers HUB_RATE_LIMITED with a hint on what to do', async () => {
    const client = hubClient({ address: parseHubAddress(hub.at('team')), token: 'cmc_wrong' }, { retryForMs: 1000 })
    try {
      for (let i = 0; i < 3; i++) await expect(client.call('GET', 'records')).rejects.toMatchObject({ code: 'HUB_UNAUTHORIZED' })
      const e = (await client.call('GET', 'records').catch((x: unknown) => x)) as CmcError
      expect(e).toMatchObject({ code: 'HUB_RATE_LIMITED', exitCode: 9, data: { status: 429 } })
      expect(formatError(e)).toMatch(/\nhint: wait, then check the token \(CMC_HUB_TOKEN or ~\/\.cmc\/config\.yaml\)/)
    } finally {
      client.close()
    }
  })
})
