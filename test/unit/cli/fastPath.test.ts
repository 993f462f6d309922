import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commandOf } from '../../../src/cli/fast.js'
import { parseFast, type ArgSpec, type FlagSpecs } from '../../../src/cli/spec.js'
import compare from '../../../src/commands/exp/compare.js'
import list from '../../../src/commands/exp/list.js'
import find from '../../../src/commands/find.js'
import run from '../../../src/commands/run.js'
import build from '../../../src/commands/build.js'
import add from '../../../src/commands/add.js'
import bootstrap from '../../../src/commands/base/bootstrap.js'
import exportCommand from '../../../src/commands/export.js'

type CommandSpec = { flags?: FlagSpecs; args?: readonly ArgSpec[] }
const [compareSpec, listSpec, findSpec, runSpec, buildSpec] = [compare, list, find, run, build].map((c) => c.declaration as CommandSpec)

const root = path.resolve(import.meta.dirname, '../../..')

describe('fast argv parser', () => {
  it('reads the forms oclif reads, with defaults', () => {
    expect(parseFast(['--tags', 'python,-dev', '-k', 'component', '--json'], findSpec)).toEqual({
      args: {},
      flags: { tags: 'python,-dev', kind: 'component' },
      json: true,
      quiet: false,
    })
    expect(parseFast(['--tags=a', '-r', 'x', '--repo=y', '-q'], findSpec)?.flags).toEqual({ tags: 'a', repo: ['x', 'y'], quiet: true })
    expect(parseFast([], findSpec)?.flags).toEqual({ tags: '' })
    expect(parseFast(['--limit', '5', '--where', 'status = ok'], listSpec)?.flags).toEqual({ limit: 5, where: 'status = ok' })
    expect(parseFast(['stream', '-s', 'threads=1,2', '--set', 'size=10', '--repeat', '3', '--warmup', '0', '-e', 'A=b', '--json'], runSpec)).toEqual({
      args: { benchmark: 'stream' },
      flags: { set: ['threads=1,2', 'size=10'], repeat: 3, warmup: 0, env: ['A=b'], builder: 'auto', 'dry-run': false, detach: false },
      json: true,
      quiet: false,
    })
    expect(parseFast(['A', 'B', '--allow-different-hosts'], compareSpec)).toEqual({
      args: { a: 'A', b: 'B' },
      flags: { 'allow-different-hosts': true, 'allow-different-images': false, 'allow-emulated': false, 'allow-mixed': false, 'noise-band': '0.02' },
      json: false,
      quiet: false,
    })
  })

  it('hands anything it cannot read exactly to oclif', () => {
    const refused: Array<[string[], CommandSpec]> = [
      [['--help'], findSpec],
      [['-h'], findSpec],
      [['--bogus'], findSpec],
      [['--kind', 'nope'], findSpec],
      [['--tags'], findSpec],
      [['--tags', 'a', '--tags', 'b'], findSpec],
      [['-tk'], findSpec],
      [['stray'], findSpec],
      [['--repo', 'a', 'b'], findSpec],
      [['--json=yes'], findSpec],
      [['--', 'x'], findSpec],
      [['--limit', 'ten'], listSpec],
      [['--limit', '1.5'], listSpec],
      [['--where', '--limit'], listSpec],
      [['only-a'], compareSpec],
      [['a', 'b', 'c'], compareSpec],
      [['stream', '--repeat', '0'], runSpec],
      [['stream', '--builder', 'docker'], runSpec],
      [['--set', 'a=1', 'stream'], runSpec],
      [[], runSpec],
      [['stream', '--platform', 'arm64', '--all-platforms'], buildSpec],
    ]
    for (const [argv, spec] of refused) expect(parseFast(argv, spec), argv.join(' ')).toBeUndefined()
  })

  it('finds every declared command, in both topic spellings, and nothing else', () => {
    expect(commandOf(['find', '-t', 'x'])).toEqual({ id: 'find', rest: ['-t', 'x'] })
    expect(commandOf(['exp', 'list', '--limit', '1'])).toEqual({ id: 'exp list', rest: ['--limit', '1'] })
    expect(commandOf(['exp:compare', 'a', 'b'])).toEqual({ id: 'exp compare', rest: ['a', 'b'] })
    expect(commandOf(['exp', 'show', 'x'])).toEqual({ id: 'exp show', rest: ['x'] })
    expect(commandOf(['run', 'stream', '--set', 'threads=1,2'])).toEqual({ id: 'run', rest: ['stream', '--set', 'threads=1,2'] })
    expect(commandOf(['build', 'stream'])).toEqual({ id: 'build', rest: ['stream'] })
    expect(commandOf(['base', 'list'])).toEqual({ id: 'base list', rest: [] })
    expect(commandOf(['run', 'list'])).toEqual({ id: 'run', rest: ['list'] })
    for (const argv of [[], ['exp'], ['exp', 'nope'], ['nope'], ['../commands/run'], ['exp:'], ['--help'], ['RUN']])
      expect(commandOf(argv), argv.join(' ')).toBeUndefined()
  })

  it('reads args with options and defaults, and required flags, as oclif does', () => {
    const addSpec = add.declaration as CommandSpec
    expect(parseFast(['component', 'openblas'], addSpec)?.args).toEqual({ kind: 'component', alias: 'openblas' })
    expect(parseFast(['widget', 'openblas'], addSpec)).toBeUndefined()
    expect(parseFast([], bootstrap.declaration as CommandSpec)?.args).toEqual({ image: 'debian:bookworm' })
    expect(parseFast(['stream'], exportCommand.declaration as CommandSpec)).toBeUndefined()
    expect(parseFast(['stream', '-o', 'f.tar'], exportCommand.declaration as CommandSpec)?.flags).toMatchObject({ output: 'f.tar' })
  })

  it('declares the same flags oclif shows in --help (the manifest is built from the declarations)', async () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'oclif.manifest.json'), 'utf8')).commands
    expect(Object.keys(manifest).length).toBeGreaterThan(20)
    for (const id of Object.keys(manifest)) {
      // a command is its file, or the index.ts of its folder (`jobs` is src/commands/jobs/index.ts)
      const file = path.join(root, 'src/commands', id.replaceAll(':', '/'))
      const spec = (await import(existsSync(`${file}.ts`) ? `${file}.ts` : path.join(file, 'index.ts'))).default.declaration as CommandSpec
      const flags = manifest[id].flags
      for (const [name, f] of Object.entries(spec.flags ?? {})) {
        expect(flags[name], `${id} --${name}`).toBeDefined()
        expect(flags[name].char).toBe(f.char)
        expect(flags[name].type).toBe(f.kind === 'boolean' ? 'boolean' : 'option')
      }
      expect(Object.keys(manifest[id].args)).toEqual((spec.args ?? []).map((a) => a.name))
      expect(flags.json?.type, `${id} --json`).toBe('boolean')
      expect(flags.quiet?.char, `${id} --quiet`).toBe('q')
    }
  })

  it('gives the same output and exit codes through the fast path and through oclif', () => {
    const bin = path.join(root, 'bin/run.js')
    const env = { ...process.env, CMC_REPOS: path.join(root, 'examples'), CMC_HOME: mkdtempSync(path.join(os.tmpdir(), 'cmc-fast-')) }
    const cases = [
      ['build', 'stream', '-p', 'x86_64', '--all-platforms'],
      ['run'],
      ['run', 'stream', '--set', 'threads'],
      ['run', 'no-such-benchmark', '--json'],
      ['find', '--tags', 'memory,bandwidth', '--json'],
      ['find', '-t', 'python', '-k', 'benchmark'],
      ['find', '--kind', 'nope'],
      ['exp', 'list', '--where', 'metrics.x >', '--store', path.join(root, 'test-artifacts/none')],
      ['exp', 'show', 'nope', '--store', path.join(root, 'test-artifacts/none')],
      ['repo', 'list', '--json'],
      ['add', 'widget', 'x'],
      ['export', 'stream'],
      ['show', 'stream'],
      ['plan', 'stream', '-p', 'x86_64', '--json'],
      ['dockerfile', 'stream', '-p', 'x86_64'],
      ['exp:list', '--limit', '0', '--store', path.join(root, 'test-artifacts/none')],
      ['exp', 'list', '--limit', '-1', '--store', path.join(root, 'test-artifacts/none')],
      ['exp', 'list', '-n', '-3', '--json', '--store', path.join(root, 'test-artifacts/none')],
      ['exp', 'list', '--where', 'date >= 12/01/2026', '--store', path.join(root, 'test-artifacts/none')],
      ['exp', 'list', '--where', "date >= '2026-12-01 23:59'", '--store', path.join(root, 'test-artifacts/none')],
      ['exp', 'list', '--where', 'metrics.secnds < 1', '--sort', 'params.nope', '--store', path.join(root, 'test-artifacts/none')],
    ]
    for (const argv of cases) {
      const fast = spawnSync(process.execPath, [bin, ...argv], { env, encoding: 'utf8' })
      const slow = spawnSync(process.execPath, [bin, ...argv], { env: { ...env, CMC_NO_FAST_PATH: '1' }, encoding: 'utf8' })
      expect(fast.status, argv.join(' ')).toBe(slow.status)
      expect(fast.stdout, argv.join(' ')).toBe(slow.stdout)
      expect(fast.stderr, argv.join(' ')).toBe(slow.stderr)
    }
    expect(
      JSON.parse(execFileSync(process.execPath, [bin, 'find', '--tags', 'memory,bandwidth', '--json'], { env, encoding: 'utf8' })).map(
        (r: { alias: string }) => r.alias,
      ),
    ).toContain('stream')
  }, 120_000)
})
