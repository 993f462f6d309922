// A hub address as errors show it: a user and token written into it never
// come back in a message (the terminal, CI logs, --json), whether the address
// parses or not, and whichever command or setting it came from.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parseHubAddress, shownAddress } from '../../../src/store/location.js'
import { tmpDir } from '../../helpers/tmp.js'
import { bin } from './harness.js'

const SECRET = 'cmc_s3cretvalue'
const run = promisify(execFile)

const refusal = (spec: string) => {
  try {
    parseHubAddress(spec)
  } catch (e) {
    return e as { code: string; message: string; hint?: string }
  }
  throw new Error(`${spec} was taken as a hub address`)
}

describe('a token in a hub address', () => {
  it('is refused with the user part shown as ***', () => {
    const e = refusal(`https://alice:${SECRET}@127.0.0.1:18443/team-a`)
    expect(e.code).toBe('HUB_URL_INVALID')
    expect(e.message).toContain('https://***@127.0.0.1:18443/team-a')
    expect(e.message).not.toContain(SECRET)
    expect(e.message).not.toContain('alice')
    expect(e.hint).toMatch(/https:\/\/HOST/)
  })

  it('is not shown when the address does not parse either', () => {
    for (const spec of [`https://alice:${SECRET}/x@hub/team`, `http://${SECRET}@hub:99999/team`, `alice:${SECRET}@hub/team`]) {
      const e = refusal(spec)
      expect(e.code).toBe('HUB_URL_INVALID')
      expect(e.message).not.toContain(SECRET)
    }
    expect(shownAddress('https://hub.example.org/team-a')).toBe('https://hub.example.org/team-a')
  })

  it('never reaches the output of `cmc exp push --to`, in text or --json', async () => {
    const env = { ...process.env, CMC_HOME: tmpDir('cmc-address-home-'), CMC_HUB_TOKEN: '' }
    for (const args of [[], ['--json']]) {
      const out = await run(process.execPath, [bin, 'exp', 'push', '--to', `https://alice:${SECRET}@127.0.0.1:18443/team-a`, ...args], { env }).then(
        () => ({ code: 0, stdout: '', stderr: '' }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      )
      expect(out.code).toBe(2)
      expect(out.stdout + out.stderr).toMatch(/HUB_URL_INVALID/)
      expect(out.stdout + out.stderr).not.toContain(SECRET)
    }
  })

  it('from CMC_HUB is not shown either', async () => {
    const env = { ...process.env, CMC_HOME: tmpDir('cmc-address-home-'), CMC_HUB: `https://bob:${SECRET}@hub.example.org/team-a` }
    const out = await run(process.execPath, [bin, 'exp', 'pull'], { env }).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    )
    expect(out.code).toBe(2)
    expect(out.stderr).toMatch(/HUB_URL_INVALID/)
    expect(out.stderr).not.toContain(SECRET)
  })
})
