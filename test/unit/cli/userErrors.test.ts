// What a user sees when a command cannot do what was asked, through the built
// binary and both ways it runs a command (the fast path and oclif): an exit
// code from the error's category, a hint, no stack trace, and with --json
// exactly one JSON document on stdout. None of these needs the engine.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot, tmpDir } from '../../helpers/tmp.js'

const bin = process.env.CMC_BIN ?? path.join(repoRoot, 'bin/run.js')
const work = tmpDir('cmc-user-errors-')
const env = { ...process.env, CMC_HOME: path.join(work, 'home'), CMC_STORE: path.join(work, 'store'), CMC_REPOS: path.join(repoRoot, 'examples') }
const paths = { fast: {}, oclif: { CMC_NO_FAST_PATH: '1' } }

function cmc(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { env: { ...env, ...extra }, cwd: work, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** The command fails with `code` and `exit`, in text and with --json, through both paths; the JSON error is returned. */
function expectUserError(args: string[], code: string, exit: number, message: RegExp, over: Record<string, string> = {}): Record<string, unknown> {
  let doc: Record<string, unknown> = {}
  for (const [way, fast] of Object.entries(paths)) {
    const extra = { ...fast, ...over }
    const text = cmc(args, extra)
    const what = `${way}: cmc ${args.join(' ')}\n${text.stderr}`
    expect(text.code, what).toBe(exit)
    expect(text.stderr, what).toContain(`error[${code}]`)
    expect(text.stderr, what).toMatch(message)
    expect(text.stderr, what).toMatch(/^hint: /m)
    expect(text.stderr, what).not.toMatch(/^ {4}at /m)
    const json = cmc([...args, '--json'], extra)
    expect(json.code, `${what} --json`).toBe(exit)
    expect(json.stderr, `${what} --json`).not.toMatch(/^ {4}at /m)
    doc = JSON.parse(json.stdout) as Record<string, unknown>
    expect(doc, `${what} --json`).toMatchObject({ error: code, exitCode: exit, message: expect.stringMatching(message), hint: expect.any(String) })
  }
  return doc
}

let taken: Server
let takenPort = 0
beforeAll(async () => {
  taken = createServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  takenPort = (taken.address() as { port: number }).port
})
afterAll(() => {
  taken.close()
})

describe('user errors, not crashes', () => {
  it('cmc import of a missing file: IMPORT_MISSING, exit 2', () => {
    expectUserError(['import', 'missing.tar'], 'IMPORT_MISSING', 2, /missing\.tar/)
  })

  it('cmc exp export --format mlperf with a --system file missing, not JSON, not an object or with measurements not one: EXPORT_SYSTEM_FIELDS, exit 2', () => {
    writeFileSync(path.join(work, 'system-list.json'), '[1]')
    writeFileSync(path.join(work, 'system-cut.json'), '{"system_name": ')
    const exportWith = (file: string) => ['exp', 'export', '--format', 'mlperf', '--submitter', 'Me', '--system', file, '-o', path.join(work, 'tree')]
    expect(expectUserError(exportWith('system-none.json'), 'EXPORT_SYSTEM_FIELDS', 2, /the --system file cannot be read: no such file$/m)).toMatchObject({
      where: { file: 'system-none.json' },
    })
    expectUserError(exportWith('system-cut.json'), 'EXPORT_SYSTEM_FIELDS', 2, /the --system file is not JSON: /)
    expectUserError(exportWith('system-list.json'), 'EXPORT_SYSTEM_FIELDS', 2, /the --system file is not a JSON object/)
    writeFileSync(path.join(work, 'system-measurements.json'), '{"system_name": "box", "measurements": "x"}')
    expectUserError(exportWith('system-measurements.json'), 'EXPORT_SYSTEM_FIELDS', 2, /the --system file's "measurements" is "x", not an object/)
    // the file is named once, where the error says where
    expect(cmc(exportWith('system-none.json')).stderr).toMatch(
      /^error\[EXPORT_SYSTEM_FIELDS\]: system-none\.json: the --system file cannot be read: no such file$/m,
    )
  })

  it('a missing argument whose description oclif wraps: USAGE, exit 2, the description whole', () => {
    expectUserError(
      ['exp', 'import'],
      'USAGE',
      2,
      /Missing 1 required arg: file \(a \.tar\.gz bundle or \.jsonl file; with --mlperf a submission tree, an archive of one, or a summary\)(\n|$)/,
    )
  })

  it('cmc exp import of a truncated archive: IMPORT_CORRUPT, exit 2, nothing imported', () => {
    const src = path.join(work, 'bundle-src', '2026', '12', '20261201T000000000Z-00000000')
    mkdirSync(src, { recursive: true })
    writeFileSync(path.join(src, 'stdout.log'), randomBytes(256 * 1024).toString('hex'))
    const whole = path.join(work, 'whole.tar.gz')
    expect(spawnSync('tar', ['-czf', whole, '-C', path.join(work, 'bundle-src'), '2026']).status).toBe(0)
    const cut = spawnSync('head', ['-c', '30000', whole]).stdout
    writeFileSync(path.join(work, 'cut.tar.gz'), cut)
    const doc = expectUserError(['exp', 'import', 'cut.tar.gz'], 'IMPORT_CORRUPT', 2, /cut\.tar\.gz/)
    expect(JSON.stringify(doc)).not.toContain('ExecaError')
    const list = cmc(['exp', 'list', '--json'])
    expect(list.code).toBe(0)
    expect(JSON.parse(list.stdout)).toEqual([])
  })

  it('cmc exp import of a folder or a CSV, --mlperf forgotten: IMPORT_FORMAT, exit 2, the hint names --mlperf', () => {
    const tree = path.join(work, 'a-tree', 'closed', 'Acme', 'results')
    mkdirSync(tree, { recursive: true })
    const doc = expectUserError(['exp', 'import', 'a-tree'], 'IMPORT_FORMAT', 2, /a-tree is a folder/)
    expect(doc.hint).toMatch(/--mlperf/)
    expect(doc.hint).not.toMatch(/--format/)
    writeFileSync(path.join(work, 'summary.csv'), 'Organization,System\n')
    expect(expectUserError(['exp', 'import', 'summary.csv'], 'IMPORT_FORMAT', 2, /summary\.csv/).hint).toMatch(/--mlperf/)
    // a CSV cmc exported itself: the way back is a bundle, not --mlperf
    writeFileSync(path.join(work, 'runs.csv'), 'id,createdAt,benchmark,image,platform,status,host,digest,tags\n')
    const ours = expectUserError(['exp', 'import', 'runs.csv'], 'IMPORT_FORMAT', 2, /runs\.csv/).hint
    expect(ours).toMatch(/export them again as \.tar\.gz or \.jsonl/)
    expect(ours).not.toMatch(/--mlperf/)
    writeFileSync(path.join(work, 'records.txt'), '{}\n')
    expect(expectUserError(['exp', 'import', 'records.txt'], 'IMPORT_FORMAT', 2, /records\.txt is not/).hint).toMatch(/\.jsonl/)
  })

  it('cmc repo add of a damaged archive: REPO_ARCHIVE_CORRUPT, exit 2, nothing registered or left behind', () => {
    const home = path.join(work, 'archive-home')
    for (const name of ['junk.tar.gz', 'junk.zip']) {
      writeFileSync(path.join(work, name), 'junk\n')
      expectUserError(['repo', 'add', name], 'REPO_ARCHIVE_CORRUPT', 2, new RegExp(`${name.replace('.', '\\.')} cannot be unpacked`), { CMC_HOME: home })
    }
    const list = cmc(['repo', 'list', '--json'], { CMC_HOME: home })
    expect((JSON.parse(list.stdout) as Array<{ kind: string }>).filter((r) => r.kind === 'archive')).toEqual([])
    expect(readdirSync(path.join(home, 'repos'))).toEqual([])
  })

  it('cmc repo add of a CM or MLC repository whose marker does not parse: META_YAML at its line, nothing registered', () => {
    const home = path.join(work, 'marker-home')
    const mlc = path.join(work, 'broken-mlc')
    mkdirSync(path.join(mlc, 'script', 'hello'), { recursive: true })
    writeFileSync(path.join(mlc, 'meta.yaml'), 'alias: broken-mlc\nuid: [1234\n')
    const cm = path.join(work, 'broken-cm')
    mkdirSync(cm, { recursive: true })
    writeFileSync(path.join(cm, 'cmr.yaml'), 'alias: broken-cm\n  uid: : 12\n')
    const where = (args: string[]) => expectUserError(args, 'META_YAML', 2, /malformed YAML/, { CMC_HOME: home }).where
    expect(where(['repo', 'add', mlc])).toMatchObject({ file: path.join(mlc, 'meta.yaml'), line: expect.any(Number) })
    expect(where(['repo', 'add', cm])).toMatchObject({ file: path.join(cm, 'cmr.yaml'), line: 2 })
    const list = cmc(['repo', 'list', '--json'], { CMC_HOME: home })
    expect((JSON.parse(list.stdout) as Array<{ path: string }>).map((r) => r.path)).not.toContain(cm)
  })
  it('cmc report --compare with one or three queries: USAGE, exit 2, no page written', () => {
    const page = path.join(work, 'one-side.html')
    expectUserError(['report', '--compare', 'status = ok', '-o', page], 'USAGE', 2, /--compare takes two queries, A and B: it was given 1/)
    expectUserError(['report', '--compare', 'status = ok', 'status = failed', 'platform = arm64', '-o', page], 'USAGE', 2, /it was given 3/)
    expect(existsSync(page)).toBe(false)
  })

  it('cmc exp export with a --format mlperf flag but another format: USAGE, exit 2, nothing written', () => {
    const csv = path.join(work, 'not-mlperf.csv')
    const doc = expectUserError(
      ['exp', 'export', '-o', csv, '--round', 'v9', '--submitter', 'foo'],
      'USAGE',
      2,
      /--submitter, --round are for --format mlperf only/,
    )
    expect(doc.hint).toMatch(/add --format mlperf/)
    expect(existsSync(csv)).toBe(false)
  })

  it('cmc report -o into a folder that does not exist: OUTPUT_UNWRITABLE, exit 2', () => {
    expectUserError(['report', '-o', '/nonexistent/dir/r.html'], 'OUTPUT_UNWRITABLE', 2, /\/nonexistent\/dir\/r\.html/)
  })

  it('cmc dashboard on a port another program listens on: LISTEN_FAILED, exit 2', () => {
    const doc = expectUserError(['dashboard', '--port', String(takenPort)], 'LISTEN_FAILED', 2, new RegExp(`127\\.0\\.0\\.1:${takenPort}`))
    expect(doc.hint).toMatch(/--port/)
  })

  it('a --store below a regular file: STORE_UNUSABLE, exit 9, the file named', () => {
    const file = path.join(work, 'a-file')
    writeFileSync(file, 'not a folder\n')
    const doc = expectUserError(['exp', 'import', 'whatever.jsonl', '--store', path.join(file, 'sub')], 'STORE_UNUSABLE', 9, /a-file/)
    expect(doc.hint).toMatch(/--store/)
    expectUserError(['report', '--store', path.join(file, 'sub')], 'STORE_UNUSABLE', 9, /a-file/)
    // a reading command too, and with the file itself as the store
    expectUserError(['exp', 'list'], 'STORE_UNUSABLE', 9, /a-file is a file/, { CMC_STORE: file })
    // cmc's home in the same place: every command reads its registry and caches there
    expect(expectUserError(['find', '--tags', 'x'], 'HOME_UNUSABLE', 2, /a-file is not a folder/, { CMC_HOME: file }).hint).toMatch(/CMC_HOME/)
    expectUserError(['find', '--tags', 'x'], 'HOME_UNUSABLE', 2, /a-file\/sub is not a folder/, { CMC_HOME: path.join(file, 'sub') })
  })

  it('a --store or home in a folder that takes no new ones (procfs): refused at once, not a hang', () => {
    // mkdir there says ENOENT although /proc exists, where a recursive mkdir tries again for ever
    const doc = expectUserError(['exp', 'reindex', '--store', '/proc/cmc-no-store/sub'], 'STORE_UNUSABLE', 9, /\/proc takes no new folders/)
    expect(doc.hint).toMatch(/--store/)
    // cmc's home there: what must be written is refused, the caches are done without
    const home = { CMC_HOME: '/proc/cmc-no-home' }
    expect(expectUserError(['repo', 'add', path.join(repoRoot, 'examples')], 'HOME_UNUSABLE', 2, /\/proc\/cmc-no-home cannot be made/, home).hint).toMatch(
      /CMC_HOME/,
    )
    const find = cmc(['find', '--tags', 'memory', '--repo', path.join(repoRoot, 'examples')], home)
    expect(find.code, find.stderr).toBe(0)
    expect(find.stdout).toMatch(/stream/)
  })

  it('a store named on purpose that is not there reads as empty, says so, and is not made by a read', () => {
    const typo = path.join(work, 'stroe')
    const list = cmc(['exp', 'list', '--store', typo])
    expect(list.code, list.stderr).toBe(0)
    expect(list.stderr).toContain(`warning: no store at ${typo}: nothing was ever recorded there; check the path --store gives`)
    const compare = cmc(['exp', 'compare', 'status = ok', 'status = failed'], { CMC_STORE: typo })
    expect(compare.stderr).toMatch(/check the path CMC_STORE gives/)
    expectUserError(['exp', 'show', 'abc', '--store', typo], 'RECORD_NOT_FOUND', 2, /no record abc/)
    expect(existsSync(typo)).toBe(false)
    // the store a user never named, on a machine with no runs yet: empty, without a word
    expect(cmc(['exp', 'list'], { CMC_STORE: '', CMC_HOME: path.join(work, 'fresh-home') }).stderr).not.toMatch(/no store at/)
  })

  it('an output folder (-o DIR, --job-dir) that cannot be made: OUTPUT_UNWRITABLE at once, why in words', () => {
    const df = expectUserError(['dockerfile', 'stream', '-o', '/proc/cmc-no-out/df'], 'OUTPUT_UNWRITABLE', 2, /\/proc takes no new folders/)
    expect(df.hint).toMatch(/-o/)
    const file = path.join(work, 'in-the-way')
    writeFileSync(file, 'not a folder\n')
    expect(expectUserError(['dockerfile', 'stream', '-o', path.join(file, 'df')], 'OUTPUT_UNWRITABLE', 2, /in-the-way is a file/).hint).toMatch(/move/)
    // -o naming the file itself: refused, the file left as it was
    expect(expectUserError(['dockerfile', 'stream', '-o', file], 'OUTPUT_UNWRITABLE', 2, /in-the-way is a file/).hint).toMatch(/move/)
    expect(readFileSync(file, 'utf8')).toBe('not a folder\n')
    // before the scheduler is asked or anything is built
    const job = expectUserError(['run', 'stream', '--on', 'slurm', '--job-dir', '/proc/cmc-no-jobs'], 'OUTPUT_UNWRITABLE', 2, /--job-dir/)
    expect(job.message).toMatch(/\/proc takes no new folders/)
  })
})

describe('a mistyped command', () => {
  it('suggests the nearest command, exit 2', () => {
    const r = cmc(['rnu'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain('error[USAGE]')
    expect(r.stderr).toMatch(/did you mean "run"\?/)
    expect(r.stderr).not.toMatch(/^ {4}at /m)
    expect(cmc(['exp', 'lst']).stderr).toMatch(/did you mean "exp list"\?/)
    // a topic's command without its topic
    expect(cmc(['reindex']).stderr).toMatch(/did you mean "exp reindex"\?/)
  })

  it('prints the USAGE error as the one JSON document with --json', () => {
    const r = cmc(['rnu', 'stream', '--json'])
    expect(r.code, r.stderr).toBe(2)
    expect(JSON.parse(r.stdout)).toMatchObject({ error: 'USAGE', exitCode: 2, hint: expect.stringMatching(/did you mean "run"\?/) })
  })

  it('says so without a guess when nothing is near', () => {
    const r = cmc(['zzzzzzzzzz'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/error\[USAGE\]: .*zzzzzzzzzz/)
    expect(r.stderr).not.toMatch(/did you mean/)
    expect(r.stderr).toMatch(/cmc --help/)
  })
})

describe('help and version as oclif users type them', () => {
  it('cmc help run is cmc run --help', () => {
    const help = cmc(['help', 'run'])
    expect(help.code, help.stderr).toBe(0)
    expect(help.stdout).toBe(cmc(['run', '--help']).stdout)
    expect(help.stdout).toMatch(/USAGE\n {2}\$ cmc run BENCHMARK/)
    expect(cmc(['help', 'exp', 'list']).stdout).toBe(cmc(['exp', 'list', '--help']).stdout)
    expect(cmc(['help']).stdout).toBe(cmc(['--help']).stdout)
  })

  it('cmc version, -v and --version print the version', () => {
    const expected = /^cmc\/\d+\.\d+\.\d+\S* \S+ node-v\d+/
    for (const argv of [['version'], ['-v'], ['--version']]) {
      const r = cmc(argv)
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(0)
      expect(r.stdout, argv.join(' ')).toMatch(expected)
    }
  })
})

describe("a benchmark's param given as a flag", () => {
  it('is a usage error whose hint shows the --set that sets it', () => {
    const doc = expectUserError(['run', 'stream', '--threads', '2'], 'USAGE', 2, /Nonexistent flag: --threads/)
    expect(doc.hint).toContain('`--set threads=VALUE`')
    // a command without params keeps the plain hint
    expect(expectUserError(['exp', 'list', '--threads', '2'], 'USAGE', 2, /--threads/).hint).not.toContain('--set')
  })
})

describe('a benchmark whose meta is broken', () => {
  it('is the error of a command for it, said once with every problem; other commands skip it with a warning', () => {
    const repo = path.join(work, 'broken-repo')
    mkdirSync(path.join(repo, 'b'), { recursive: true })
    writeFileSync(path.join(repo, 'cmc-repo.yaml'), 'name: broken\n')
    writeFileSync(path.join(repo, 'b', 'cmc.yaml'), 'kind: benchmark\nalias: b\nimage: x\ncomand: run\n')
    for (const args of [
      ['run', 'b'],
      ['build', 'b'],
      ['plan', 'b'],
    ]) {
      const r = cmc([...args, '--repo', repo])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain('error[META_UNKNOWN_KEY]')
      expect(r.stderr).toMatch(/^ {2}1:1: missing required key "command"$/m)
      // the problem once: no skip warning and no per-platform warning before the error
      expect(r.stderr.match(/unknown key "comand"/g), r.stderr).toHaveLength(1)
    }
    const find = cmc(['find', '--tags', 'b', '--repo', repo])
    expect(find.stderr).toMatch(/^warning: skipped .*b\/cmc\.yaml:4: unknown key "comand"/m)
  })
})

describe('a mistyped flag', () => {
  it("names the command's nearest flag, and keeps the --set hint where params could be meant", () => {
    const run = expectUserError(['run', 'stream', '--repeats', '3'], 'USAGE', 2, /Nonexistent flag: --repeats/)
    expect(run.hint).toMatch(/^did you mean `--repeat`\? A benchmark's params are set with --set, e\.g\. `--set repeats=VALUE`/)
    expect(expectUserError(['find', '--tag', 'x'], 'USAGE', 2, /--tag/).hint).toBe('did you mean `--tags`? Run `cmc find --help` for usage')
    expect(expectUserError(['exp', 'list', '--jsn'], 'USAGE', 2, /--jsn/).hint).toMatch(/^did you mean `--json`\?/)
    // a value the flag does not take, in its words
    expect(expectUserError(['run', 'stream', '--repeat', '0'], 'FLAG_VALUE', 2, /--repeat 0: expected an integer, 1 or more$/m).hint).toMatch(/cmc run --help/)
    expectUserError(['run', 'stream', '--warmup', 'two'], 'FLAG_VALUE', 2, /--warmup two: expected an integer/)
    // nothing near: no guess
    expect(expectUserError(['find', '--zzzzzz'], 'USAGE', 2, /--zzzzzz/).hint).toBe('run `cmc find --help` for usage')
  })
})

describe('a report named as another format', () => {
  it('is written as HTML, and the warning says so', () => {
    const r = cmc(['report', '-o', 'report.pdf'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/^warning: report\.pdf holds an HTML page/m)
    expect(cmc(['report', '-o', 'report.html']).stderr).not.toMatch(/holds an HTML page/)
  })
})
