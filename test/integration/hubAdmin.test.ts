// The hub's admin commands as a newcomer meets them, against a real
// PostgreSQL: what is missing or mistyped on the command line is a usage
// error with its fix (exit 2), never an unreachable database (exit 9).
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dbUrl, openDb } from '../../src/hub/db.js'
import { projectInfo, pushRecords } from '../../src/hub/hubRecords.js'
import { createToken } from '../../src/hub/tokens.js'
import { recordOf } from '../helpers/records.js'
import { tmpDir } from '../helpers/tmp.js'
import { selfSignedCert } from '../helpers/tls.js'
import { bin, freshDatabase } from '../unit/hub/harness.js'

const run = promisify(execFile)
let url: string
let drop: () => Promise<void>

beforeAll(async () => {
  const db = await freshDatabase('admin')
  url = db.url
  drop = db.drop
})
afterAll(async () => {
  await drop?.()
})

/** `cmc ARGS` with no CMC_HUB_DB unless given: its exit code and output. */
function cmc(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base: Record<string, string | undefined> = { ...process.env, CMC_HOME: tmpDir('cmc-admin-home-'), ...env }
  if (!('CMC_HUB_DB' in env)) delete base.CMC_HUB_DB
  return run(process.execPath, [bin, ...args], { env: base }).then(
    (x) => ({ code: 0, stdout: x.stdout, stderr: x.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  )
}

describe('a database URL of another kind', () => {
  it('is refused as a flag value, not reported as a PostgreSQL that does not answer', async () => {
    expect(() => dbUrl('mysql://root:pw@db.example.org/cmc')).toThrow(
      expect.objectContaining({
        code: 'FLAG_VALUE',
        message: expect.stringMatching(/--db mysql:\/\/root:\*\*\*@db\.example\.org\/cmc: .*not a PostgreSQL URL/),
      }),
    )
    expect(dbUrl('postgres://u@h/db')).toBe('postgres://u@h/db')
    expect(dbUrl('postgresql://u@h/db')).toBe('postgresql://u@h/db')
    for (const args of [
      ['hub', 'token', 'list', '--db', 'mysql://x'],
      ['hub', 'project', 'team-a', '--public', '--db', 'mysql://x'],
    ]) {
      const out = await cmc(args)
      expect(out.code, out.stderr).toBe(2)
      expect(out.stderr).toMatch(/FLAG_VALUE.*not a PostgreSQL URL/)
      expect(out.stderr).not.toMatch(/does not answer/)
      expect(out.stderr).toMatch(/hint: give postgres:\/\//)
    }
    const fromEnv = await cmc(['hub', 'token', 'list'], { CMC_HUB_DB: 'sqlite:///tmp/x.db' })
    expect(fromEnv.code).toBe(2)
    expect(fromEnv.stderr).toMatch(/CMC_HUB_DB sqlite:/)
  })

  it('a PostgreSQL URL is still served', async () => {
    const out = await cmc(['hub', 'token', 'list', '--db', url, '--json'])
    expect(out.code, out.stderr).toBe(0)
    expect(JSON.parse(out.stdout)).toEqual([])
  })
})

describe('no database given', () => {
  it('is a usage error (exit 2) whose hint says how to give one, and --hub for the token commands', async () => {
    expect(() => dbUrl(undefined)).toThrow(
      expect.objectContaining({ code: 'USAGE', exitCode: 2, hint: expect.stringMatching(/--db postgres:\/\/.*CMC_HUB_DB/) }),
    )
    for (const args of [
      ['hub', 'token', 'list'],
      ['hub', 'token', 'create', '--user', 'alice'],
      ['hub', 'token', 'revoke', '3'],
    ]) {
      const out = await cmc(args)
      expect(out.code, out.stderr).toBe(2)
      expect(out.stderr).toMatch(/error\[USAGE\]: no PostgreSQL database/)
      expect(out.stderr).toMatch(/hint: give --db postgres:\/\/.*CMC_HUB_DB, or --hub https:\/\/HUB\/PROJECT/)
    }
    const project = await cmc(['hub', 'project', 'team-a', '--public', '--json'])
    expect(project.code).toBe(2)
    expect(JSON.parse(project.stdout)).toMatchObject({ error: 'USAGE', hint: expect.stringMatching(/--db/) })
  })
})

describe('cmc hub project', () => {
  it('refuses a name the hub does not know unless --create says so, and says when it made one', async () => {
    const db = await openDb(url, { max: 1 })
    try {
      const typo = await cmc(['hub', 'project', 'team-aa', '--public', '--db', url])
      expect(typo.code, typo.stderr).toBe(2)
      expect(typo.stderr).toMatch(/error\[USAGE\]: the hub has no project team-aa/)
      expect(typo.stderr).toMatch(/hint: .*--create/)
      expect(await projectInfo(db, 'team-aa')).toBeUndefined()

      const made = await cmc(['hub', 'project', 'team-new', '--public', '--create', '--db', url])
      expect(made.code, made.stderr).toBe(0)
      expect(made.stdout).toMatch(/project team-new created; it is public/)
      expect(await projectInfo(db, 'team-new')).toEqual({ name: 'team-new', public: true })

      // a project known by its records or by a token needs no --create
      await pushRecords(db, 'pushed', 'alice', [{ record: recordOf({ throughput: [1, 2, 3] }), files: [] }])
      await createToken(db, { user: 'bob', scope: 'read', project: 'tokens-only' })
      for (const name of ['pushed', 'tokens-only']) {
        const out = await cmc(['hub', 'project', name, '--public', '--db', url, '--json'])
        expect(out.code, out.stderr).toBe(0)
        expect(JSON.parse(out.stdout)).toEqual({ project: name, public: true, created: false })
        expect(await projectInfo(db, name)).toEqual({ name, public: true })
      }
    } finally {
      await db.close()
    }
  })
})

describe('cmc hub serve with TLS files that cannot serve', () => {
  it('a missing file, a file that is not PEM, a key of another certificate: FLAG_VALUE (exit 2) naming it, no stack trace, before the database', async () => {
    const dir = tmpDir('cmc-admin-tls-')
    const [a, b] = [selfSignedCert(mkdtempSync(path.join(dir, 'a-'))), selfSignedCert(mkdtempSync(path.join(dir, 'b-')))]
    const junk = path.join(dir, 'junk.pem')
    writeFileSync(junk, 'not a certificate\n')
    // nothing listens on port 1: a database asked first would answer HUB_DB_UNREACHABLE (exit 9)
    const serve = (cert: string, key: string) =>
      cmc(['hub', 'serve', '--db', 'postgres://cmc:x@127.0.0.1:1/cmc', '--listen', '127.0.0.1:0', '--tls-cert', cert, '--tls-key', key])
    for (const [cert, key, said] of [
      [path.join(dir, 'none.crt'), a.key, /--tls-cert \S+none\.crt: no such file/],
      [a.cert, path.join(dir, 'none.key'), /--tls-key \S+none\.key: no such file/],
      [junk, junk, /not a usable certificate and key/],
      [a.cert, b.key, /not a usable certificate and key \(.*key values mismatch/],
    ] as const) {
      const out = await serve(cert, key)
      expect(out.code, out.stderr).toBe(2)
      expect(out.stderr).toMatch(/^error\[FLAG_VALUE\]/)
      expect(out.stderr).toMatch(said)
      expect(out.stderr).toMatch(/\nhint: /)
      expect(out.stderr).not.toMatch(/\n\s+at |node:internal|HUB_DB_UNREACHABLE/)
    }
  })
})
