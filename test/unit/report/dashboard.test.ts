// The dashboard's /api/compare over real HTTP on 127.0.0.1, the server started
// in-process: it applies exp compare's guards (the same function), so a side
// missing, a mixed side, different images on one platform, a bad noise band or
// no metric in common answer 400 with the error's JSON, not a comparison.
import { rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDashboard, type Dashboard } from '../../../src/report/dashboard.js'
import { Store } from '../../../src/store/store.js'
import { putRecords, recordOf } from '../../helpers/records.js'
import { tmpDir } from '../../helpers/tmp.js'

const dir = tmpDir('cmc-dashboard-store-')
let dashboard: Dashboard

beforeAll(async () => {
  const store = new Store(path.join(dir, 'store'))
  const up = [110, 111, 109]
  await putRecords(store, [
    ...[100, 101, 99].map((v) => recordOf({ throughput: [v, v, v] }, { tags: ['a'] })),
    ...[110, 111, 109].map((v) => recordOf({ throughput: [v, v, v] }, { tags: ['b'] })),
    recordOf({ throughput: up }, { tags: ['mixed'], params: { threads: 1 } }),
    recordOf({ throughput: up }, { tags: ['mixed'], params: { threads: 2 } }),
    recordOf({ throughput: up }, { tags: ['other-image'], digest: 'sha256:img2' }),
    recordOf({ throughput: up }, { tags: ['other-image'], digest: 'sha256:img2' }),
    recordOf({ seconds: up }, { tags: ['seconds'] }),
    recordOf({ seconds: up }, { tags: ['seconds'] }),
  ])
  dashboard = await startDashboard(store, { host: '127.0.0.1', port: 0 })
})
afterAll(async () => {
  await dashboard?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function compare(query: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL('api/compare', dashboard.url)
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v)
  expect(url.hostname).toBe('127.0.0.1')
  const res = await fetch(url)
  expect(res.headers.get('content-type')).toBe('application/json')
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('dashboard /api/compare', () => {
  it('compares two sides as exp compare does', async () => {
    const r = await compare({ a: 'tags = a', b: 'tags = b' })
    expect(r.status).toBe(200)
    const [m] = r.body.metrics as Array<{ metric: string; verdict: string; ratioCi95: number[] }>
    expect(m).toMatchObject({ metric: 'throughput', verdict: 'improved' })
    expect(m.ratioCi95[0]).toBeGreaterThan(1.02)
  })

  it('a missing or blank side is 400, not "all records"', async () => {
    const queries: Array<Record<string, string>> = [{ a: 'tags = a' }, { b: 'tags = b' }, { a: '', b: 'tags = b' }, { a: 'tags = a', b: '  ' }, {}]
    for (const q of queries) {
      const r = await compare(q)
      expect(r.status, JSON.stringify(q)).toBe(400)
      expect(r.body.error).toBe('USAGE')
      expect(r.body.message).toMatch(/^\/api\/compare needs both sides: \?a=A&b=B \(side [ab] is missing\)$/)
    }
  })

  it('a side mixing params is refused with the error JSON; allow-mixed pools it', async () => {
    const r = await compare({ a: 'tags = mixed', b: 'tags = b' })
    expect(r.status).toBe(400)
    expect(r.body).toMatchObject({ error: 'COMPARE_MIXED', details: ['params.threads: A 1, 2; B (unset)'] })
    expect(r.body.hint).toContain('allow-mixed')
    const ok = await compare({ a: 'tags = mixed', b: 'tags = b', 'allow-mixed': '1' })
    expect(ok.status).toBe(200)
  })

  it('different images on one platform are refused as exp compare refuses them', async () => {
    const r = await compare({ a: 'tags = a', b: 'tags = other-image' })
    expect(r.status).toBe(400)
    expect(r.body.error).toBe('COMPARE_DIFFERENT_IMAGES')
    expect((await compare({ a: 'tags = a', b: 'tags = other-image', 'allow-different-images': '1' })).status).toBe(200)
  })

  it('no metric in common, and a noise band that is no fraction, are 400', async () => {
    const none = await compare({ a: 'tags = a', b: 'tags = seconds' })
    expect(none.status).toBe(400)
    expect(none.body).toMatchObject({ error: 'COMPARE_NO_COMMON_METRIC', message: 'the sides have no metric in common: A has throughput; B has seconds' })
    const band = await compare({ a: 'tags = a', b: 'tags = b', 'noise-band': '-1' })
    expect(band.status).toBe(400)
    expect(band.body.error).toBe('FLAG_VALUE')
    expect((await compare({ a: 'tags = a', b: 'tags = b', 'noise-band': '0.5' })).body.noiseBand).toBe(0.5)
  })
})
