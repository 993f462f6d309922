// `cmc jobs wait` looks again when a task's done file lands, not only when
// its interval is over: each look here is given an interval far longer than
// the test may take, so only the done file can end it.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { watchDone } from '../../../src/cluster/followJob.js'
import { tmpDir } from '../../helpers/tmp.js'

const LONG = 60_000
const job = (dir: string) => ({ dir, submissions: [{ schedulerId: '42', indices: [0, 1], submittedAt: '' }] })
/** What the task script does last: done.tmp, renamed into place. */
function land(task: string): void {
  mkdirSync(task, { recursive: true })
  writeFileSync(path.join(task, 'done.tmp'), '1\n')
  renameSync(path.join(task, 'done.tmp'), path.join(task, 'done'))
}

describe('waking on done files', () => {
  it('a task folder that appears after the watch began, and its done file', { timeout: 10_000 }, async () => {
    const dir = tmpDir('cmc-watch-')
    mkdirSync(path.join(dir, 'runs', '42'), { recursive: true })
    const w = watchDone(job(dir))
    try {
      const woke = w.next(LONG)
      setTimeout(() => land(path.join(dir, 'runs', '42', '1')), 50)
      await woke
    } finally {
      w.close()
    }
  })

  it('a submission folder not there yet (the first task makes it)', { timeout: 10_000 }, async () => {
    const dir = tmpDir('cmc-watch-')
    mkdirSync(path.join(dir, 'runs'), { recursive: true })
    const w = watchDone(job(dir))
    try {
      const woke = w.next(LONG)
      setTimeout(() => land(path.join(dir, 'runs', '42', '0')), 50)
      await woke
    } finally {
      w.close()
    }
  })

  it('a done file that lands between looks makes the next look come at once; other files do not', { timeout: 10_000 }, async () => {
    const dir = tmpDir('cmc-watch-')
    const task = path.join(dir, 'runs', '42', '0')
    mkdirSync(task, { recursive: true })
    const w = watchDone(job(dir))
    try {
      writeFileSync(path.join(task, 'a0.out'), 'output\n')
      let over = false
      const short = w.next(300).then(() => (over = true))
      await new Promise((r) => setTimeout(r, 100))
      expect(over).toBe(false)
      await short
      land(task)
      await new Promise((r) => setTimeout(r, 100))
      await w.next(LONG)
    } finally {
      w.close()
    }
  })

  it('without a runs folder (Kubernetes), the interval alone', async () => {
    const w = watchDone(job(tmpDir('cmc-watch-')))
    const t0 = Date.now()
    await w.next(200)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150)
    w.close()
  })
})
