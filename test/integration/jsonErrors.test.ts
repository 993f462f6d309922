// `cmc run` and `cmc exp reproduce` that end in a benchmark's failure, a
// timeout or Ctrl-C, with --json: stdout is one JSON document, the error, with
// what was recorded in its data; the exit code is the error's. Against the real
// engine, through the built binary, by the fast path and by oclif.
import { spawn } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { openStore } from '../../src/store/store.js'
import { bin, cli, containersWithLabel } from '../helpers/engine.js'
import { until } from '../helpers/poll.js'
import { repoRoot, tmpDir } from '../helpers/tmp.js'

const repo = path.join(repoRoot, 'test/fixtures/run-repo')
const home = tmpDir('cmc-home-')
const storeDir = tmpDir('cmc-json-errors-store-')
const env = { CMC_HOME: home, CMC_STORE: storeDir }
const ways = { fast: {}, oclif: { CMC_NO_FAST_PATH: '1' } }
const run = (args: string[], extra: Record<string, string> = {}) => cli(['run', ...args, '--repo', repo, '--platform', 'x86_64'], { env: { ...env, ...extra } })

interface ErrorDocument {
  error: string
  exitCode: number
  message: string
  hint?: string
  data?: Record<string, unknown>
}

/** stdout parses as one JSON document (JSON.parse refuses two), the error; stderr holds JSON lines and no stack. */
function errorDocument(r: { stdout: string; stderr: string }): ErrorDocument {
  expect(r.stderr).not.toMatch(/^ {4}at /m)
  for (const line of r.stderr.split('\n').filter(Boolean)) expect(() => JSON.parse(line), line).not.toThrow()
  return JSON.parse(r.stdout) as ErrorDocument
}

beforeAll(async () => {
  await pingEngine()
})
afterAll(() => {
  rmSync(home, { recursive: true, force: true })
  rmSync(storeDir, { recursive: true, force: true })
})

describe('one JSON document when a run fails', () => {
  it('a failing benchmark: the BENCHMARK_FAILED error with the records in its data, exit 5', async () => {
    for (const [way, extra] of Object.entries(ways)) {
      const r = await run(['fails', '--json'], extra)
      expect(r.code, `${way}: ${r.stderr.slice(-2000)}`).toBe(5)
      const doc = errorDocument(r)
      expect(doc).toMatchObject({ error: 'BENCHMARK_FAILED', exitCode: 5, message: 'fails failed: exit code 3' })
      const records = doc.data?.records as ExperimentRecord[]
      expect(records).toHaveLength(1)
      expect(records[0]).toMatchObject({ status: 'failed', exitCode: 3, benchmark: { alias: 'fails' } })
      expect(doc.hint).toContain(`cmc exp show ${records[0].id}`)
      // the record in the error is the one stored
      expect((await openStore({ path: storeDir })).get(records[0].id)).toEqual(records[0])
    }
  })

  it('a timeout: the TIMEOUT error with the record, exit 124', async () => {
    const r = await run(['sleeper', '--timeout', '2', '--json'])
    expect(r.code, r.stderr.slice(-2000)).toBe(124)
    const doc = errorDocument(r)
    expect(doc.error).toBe('TIMEOUT')
    expect((doc.data?.records as ExperimentRecord[]).map((x) => x.status)).toEqual(['timeout'])
    expect(await containersWithLabel('cmc.benchmark=sleeper')).toEqual([])
  })

  it('Ctrl-C: the ABORTED error with the record, exit 130', async () => {
    const p = spawn(process.execPath, [bin, 'run', 'sleeper', '--repo', repo, '--platform', 'x86_64', '--json'], { env: { ...process.env, ...env } })
    let stdout = '',
      stderr = ''
    p.stdout.on('data', (d) => (stdout += d))
    p.stderr.on('data', (d) => (stderr += d))
    const code = new Promise<number | null>((resolve) => p.on('close', resolve))
    await until(() => stderr.includes('sleeping'))
    p.kill('SIGINT')
    expect(await code, stderr.slice(-2000)).toBe(130)
    const doc = errorDocument({ stdout, stderr })
    expect(doc.error).toBe('ABORTED')
    expect((doc.data?.records as ExperimentRecord[]).map((x) => x.status)).toEqual(['aborted'])
    expect(await containersWithLabel('cmc.benchmark=sleeper')).toEqual([])
  })

  it('exp reproduce of a run that fails again: the error carries the reproduction and the comparison, exit 5', async () => {
    const first = errorDocument(await run(['fails', '--json']))
    const original = (first.data?.records as ExperimentRecord[])[0].id
    for (const [way, extra] of Object.entries(ways)) {
      const r = await cli(['exp', 'reproduce', original, '--repo', repo, '--json'], { env: { ...env, ...extra } })
      expect(r.code, `${way}: ${r.stderr.slice(-2000)}`).toBe(5)
      const doc = errorDocument(r)
      expect(doc.error).toBe('BENCHMARK_FAILED')
      expect(doc.data).toMatchObject({ original, reproduction: expect.stringMatching(/^\d{8}T/), comparison: expect.any(Object) })
      expect((await openStore({ path: storeDir })).get(doc.data!.reproduction as string).reproduces).toBe(original)
    }
  })
})

describe('a --store that cannot be a folder', () => {
  it('is STORE_UNUSABLE, exit 9, with the file in the way named, not a stack trace', async () => {
    const file = path.join(home, 'plain-file')
    writeFileSync(file, 'in the way\n')
    const text = await run(['fails', '--store', path.join(file, 'sub')])
    expect(text.code, text.stderr).toBe(9)
    expect(text.stderr).toMatch(/error\[STORE_UNUSABLE\]: .*plain-file/)
    expect(text.stderr).toMatch(/^hint: .*--store/m)
    expect(text.stderr).not.toMatch(/^ {4}at /m)
    const json = await run(['fails', '--store', path.join(file, 'sub'), '--json'])
    expect(json.code).toBe(9)
    expect(errorDocument(json)).toMatchObject({ error: 'STORE_UNUSABLE', exitCode: 9 })
  })
})
