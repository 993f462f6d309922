// What the index reads meta with must give what `yaml` gives: the js-yaml
// fast path (src/meta/yamlFastPath.ts) the same data as the `yaml` package or
// nothing (then `yaml` decides, errors and positions included), and the Ajv
// validators the build writes out (validatorModuleSources) the same errors as
// the ones compiled in-process (compileValidators, what the tests run).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { CORE_SCHEMA, load } from 'js-yaml'
import { parseDocument, stringify } from 'yaml'
import { afterAll, describe, expect, it } from 'vitest'
import { CmcError } from '../../../src/errors.js'
import { parseMetaText, parseWithPositions } from '../../../src/meta/parse.js'
import { fastParseYaml } from '../../../src/meta/yamlFastPath.js'
import { compileValidators, validatorModuleSources } from '../../../src/meta/validatorsSource.js'
import type { SchemaName } from '../../../src/meta/validate.js'
import { repoRoot, tmpDir } from '../../helpers/tmp.js'

const tmp = tmpDir()
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** The fast path either gives up or agrees with yaml (which then must not report an error). */
function agrees(text: string): 'fast' | 'gave up' {
  const fast = fastParseYaml(text)
  if (!fast) return 'gave up'
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true })
  expect(
    doc.errors.map((e) => e.message),
    JSON.stringify(text),
  ).toEqual([])
  expect(fast.value, JSON.stringify(text)).toStrictEqual(doc.toJS())
  // and the loader's own `yaml` path reads it the same way
  expect(parseWithPositions(text, 'meta.yaml').data, JSON.stringify(text)).toStrictEqual(fast.value)
  return 'fast'
}

/** What the loader makes of the text: its data, or the code and message of its error. */
function loaded(text: string): { data: unknown } | { code: string; message: string; line?: number } {
  try {
    return { data: parseMetaText(text, 'meta.yaml').data }
  } catch (e) {
    expect(e, JSON.stringify(text)).toBeInstanceOf(CmcError)
    const err = e as CmcError
    return { code: err.code, message: err.message, line: err.where?.line }
  }
}

/** What `yaml` alone makes of the text, in the same form. */
function yamlAlone(text: string): ReturnType<typeof loaded> {
  try {
    return { data: parseWithPositions(text, 'meta.yaml').data }
  } catch (e) {
    const err = e as CmcError
    return { code: err.code, message: err.message, line: err.where?.line }
  }
}

/** js-yaml by itself, under its core schema. */
function jsYamlAlone(text: string): { data: unknown } | { error: string } {
  try {
    return { data: load(text, { schema: CORE_SCHEMA }) }
  } catch (e) {
    return { error: (e as Error).message }
  }
}

describe('the js-yaml fast path', () => {
  it('reads every meta file of the repo as yaml does', () => {
    const files = ['images', 'examples', 'test/fixtures'].flatMap((d) =>
      (readdirSync(path.join(repoRoot, d), { recursive: true }) as string[]).map((f) => path.join(d, f)).filter((f) => /\.(ya?ml|json)$/.test(f)),
    )
    const taken = files.map((f) => [f, agrees(readFileSync(path.join(repoRoot, f), 'utf8'))])
    // the shipped and example meta is all plain enough for the fast path
    expect(taken.filter(([f, how]) => /^(images|examples)\//.test(f!) && /cmc\.yaml$/.test(f!) && how !== 'fast')).toEqual([])
    expect(taken.filter(([, how]) => how === 'fast').length).toBeGreaterThan(20)
  })

  it('agrees or gives up on tricky input', () => {
    const cases = [
      'kind: component\nalias: x\n',
      'a: 1\nb: 1.50\nc: -0\nd: +12\ne: 0o17\nf: 0x1F\ng: .5e3\nh: 1_000\ni: .inf\nj: -.Inf\nk: .NaN\nl: 012\n',
      'a: true\nb: True\nc: TRUE\nd: tRue\ne: yes\nf: no\ng: on\nh: null\ni: Null\nj: ~\nk:\nl: NULL\nm: nULL\n',
      "a: \"x\\ny\\t\\u00e9\\ud83d\\ude00\\/\\\\\"\nb: 'it''s'\nc: \"a: b\"\nd: '#x'\n",
      'a: a#b\nb: a #b\nc: x,\nd: -dev\ne: http://x.y/z\nf: echo {{x}} [y]\n',
      'a: b: c\n',
      'a: ,x\n',
      'a: @x\n',
      'a: %x\n',
      'a: `x\n',
      'a: !!str 1\n',
      'a: &x 1\nb: *x\n',
      'a: |\n  text\n',
      'a: >\n  text\n',
      'a: b\n  c\n',
      'a: "b\nc"\n',
      '? a\n: b\n',
      'a: 1\na: 2\n',
      '"a": 1\na: 2\n',
      'a: {b: 1, b: 2}\n',
      '1: a\n',
      'true: a\n',
      '~: a\n',
      '<<: {a: 1}\n',
      '__proto__: 1\n',
      '"__proto__": 1\n',
      'a:\n- x\n- y\nb: 1\n',
      'a:\n  - b: 1\n    c: 2\n  - d\n',
      'a:\n  -  b: 1\n     c: 2\n',
      'a:\n  - - x\n',
      'a:\n  -\n    b: 1\n',
      'a: [x, y, ]\n',
      'a: [x, , y]\n',
      'a: [x: 1]\n',
      'a: ["x": 1]\n',
      'a: {x: 1, }\n',
      'a: {x}\n',
      'a: {x: }\n',
      'a: [a, b\n',
      'a: [a,\n  b]\n',
      'a: {b: c}#x\n',
      'a: [b] #x\n',
      'a: "b"#x\n',
      'a: "b" #x\n',
      'a: [a"b]\n',
      'a: [-1, -x, - y]\n',
      'a: [a:b]\n',
      'a: [a #b]\n',
      '{"kind": "component", "alias": "j", "tags": ["a"]}',
      '{\n  "kind": "component",\n  "deps": [{"tags": 5}, "x"],\n  "n": -1.5e-3\n}\n',
      '{\n"a": 1\n}',
      '[1, 2]',
      '- a\n- b\n',
      '',
      '# only\n',
      '---\na: 1\n',
      'a: 1\n...\n',
      '%YAML 1.2\n---\na: 1\n',
      '\ufeffa: 1\n',
      'a: 1\r\nb: 2\r\n',
      'a:\t1\n',
      '\ta: 1\n',
      'a: 1 \nb:  2  # c\n  # indented comment\nc: 3\n',
      '  a: 1\n',
      'a:\n   b: 1\n  c: 2\n',
      'a b: 1\n',
      'a:b: 1\n',
      '"a:b": 1\n',
      "'a': 1\n",
      '"a" : 1\n',
      'a : 1\n',
      '-a: 1\n',
      'é: 日本\n',
      'a: 日本 語\n',
      'a: x\u00a0\n',
      'a: "\\x41"\n',
      'a: "\\N"\n',
      `a: ${'x'.repeat(1100)}\n`,
      `${'k'.repeat(1100)}: 1\n`,
      'a: [[], {}, [[x]], {b: [c, {d: e}]}]\n',
      'a: {"b":1,\'c\':2}\n',
      // block scalars, multi-line and quoted scalars, which the fast path now reads too
      'run: |\n  # install\n  apt-get install -y \\\n    gcc\n\n  make\n',
      'a: >-\n  folded\n  text\n\n  para\n',
      'a: |-\n  x\n\n',
      'a: "one\n  two\n\n  three"\n',
      "a: 'x\n\n  y'\n",
      'a: plain\n  multi\n  line\n',
      'a: "\\e\\0\\_\\L\\P\\U0001F600\\ud83d"\n',
      'a: "x\ty"\n',
      'a: x\n  ---\n',
      'a: 1\n\ufeffb: 2\n',
      '# c\n\ufeffa: 1\n',
      'a: 1e400\n',
      `a: 0x1${'0'.repeat(260)}\n`,
      'a: [1e308, -1e308, 1e-400]\n',
      ': a\n',
      '"": a\n',
      '? [a]\n: b\n',
      'a: |2\n     \n  x\n',
      'a: |+\n  x\n  ',
      'a: "x\\\n\n  y"\n',
      'k:\n- "x" b: 1\n',
      'k:\n- [x]b: 1\n',
      ' ---\nk: 1\n',
      '...\na: 1\n',
      'a: b\rc: d\n',
      'a: |\n  t\n\t\n',
      '\n  >\n #x\n',
      'x\n',
      '"x"\n',
    ]
    const fast = cases.filter((c) => agrees(c) === 'fast')
    // what meta files are made of stays on the fast path
    expect(fast).toEqual(expect.arrayContaining([cases[0], cases[1], cases[2], cases[3], cases[4], '{"kind": "component", "alias": "j", "tags": ["a"]}']))
    expect(fast).toEqual(
      expect.arrayContaining([
        'run: |\n  # install\n  apt-get install -y \\\n    gcc\n\n  make\n',
        'a: >-\n  folded\n  text\n\n  para\n',
        'a: "one\n  two\n\n  three"\n',
      ]),
    )
  })

  it('agrees or gives up on generated documents', () => {
    let seed = 7
    const rnd = () => {
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]
    const scalars = [
      'a',
      'x y',
      'os,debian',
      '-dev',
      '-1',
      '0',
      '012',
      '0o17',
      '0x1F',
      '1.50',
      '.5',
      '1e3',
      '.inf',
      '.NaN',
      'true',
      'False',
      'yes',
      'null',
      '~',
      '"q"',
      "'it''s'",
      '"a\\"b"',
      '"a\\tb"',
      'a#b',
      'a #b',
      'a: b',
      'a:b',
      'echo {{x}}',
      '[x]',
      '{y}',
      '@x',
      '&a x',
      '*a',
      '|',
      '? x',
      'a,',
      ',a',
      'é',
      '12:30',
      '<<',
      '-',
      '""',
      'a\u00a0',
      '1e400',
      '2001-12-14',
      'on',
      '|-\n  t\n  u',
      '>+\n  t\n\n  u\n',
      '|2\n     \n  x',
      '"a\\\n\n  b"',
      "'a\n\n  b'",
      'plain\n  multi',
      '!!str 1',
      '\ufeffx',
    ]
    const keys = ['kind', 'alias', 'tags', 'a', 'b', 'k y', '"quoted"', "'sq'", '1', 'true', '-k', 'a:b', 'é', '~', '? k', '<<', '__proto__', '""']
    const flow = (depth: number): string => {
      const r = rnd()
      if (depth > 2 || r < 0.5) return pick(scalars)
      const n = Math.floor(rnd() * 4)
      if (r < 0.75) return `[${Array.from({ length: n }, () => flow(depth + 1)).join(pick([', ', ',', ',\n '])) + pick(['', ', '])}]`
      return `{${Array.from({ length: n }, () => pick(keys) + pick([': ', ':']) + flow(depth + 1)).join(', ')}}`
    }
    const block = (indent: number, depth: number): string => {
      const pad = ' '.repeat(indent)
      const seq = depth > 0 && rnd() < 0.3
      const lines: string[] = []
      for (let i = 0, n = 1 + Math.floor(rnd() * 4); i < n; i++) {
        if (rnd() < 0.1) lines.push(pad + pick(['# c', '', ' ---', '...']))
        const head = seq ? pad + pick(['- ', '-  ']) : pad + pick(keys) + pick([':', ': ', ' :'])
        const r = rnd()
        if (depth < 3 && r < 0.3) {
          if (seq) {
            const inner = block(indent + 2, depth + 1).split('\n')
            inner[0] = `${pad}- ${inner[0].trimStart()}`
            lines.push(inner.join('\n'))
          } else lines.push(`${head}\n${block(rnd() < 0.2 ? indent : indent + pick([2, 4, 1]), depth + 1)}`)
        } else lines.push(head + (head.endsWith(' ') ? '' : ' ') + (r < 0.5 ? flow(0) : pick(scalars)) + pick(['', '', ' # c', '  ', '\t']))
      }
      return lines.join('\n')
    }
    const marks = [' ', ':', '-', '#', '"', "'", '[', ']', '{', '}', ',', '\n', '\n  ', 'a', '\t', '\r', '\ufeff', '\\', '|', '>', '\n---\n', '?']
    let fast = 0
    for (let t = 0; t < 4000; t++) {
      let text = rnd() < 0.1 ? flow(0) : `${block(0, 0)}\n`
      if (rnd() < 0.3) {
        const p = Math.floor(rnd() * (text.length + 1))
        text = rnd() < 0.5 ? text.slice(0, p) + pick(marks) + text.slice(p) : text.slice(0, p) + text.slice(p + 1)
      }
      if (agrees(text) === 'fast') fast++
    }
    expect(fast).toBeGreaterThan(200) // (a floor: enough of them take the fast path to test it)
  })

  it('reads the registry as cmc writes it', () => {
    const repos = [
      { name: 'local', uid: '0123456789abcdef', path: '/home/u/my repos/x', source: '/home/u/my repos/x', kind: 'path' },
      { name: 'g', path: '/h/.cmc/repos/g', source: 'git@github.com:org/repo.git', kind: 'git' },
      { name: 'z', path: "/h/it's: #1", source: 'https://x.y/z.zip?a=1&b=2', kind: 'archive' },
    ]
    const text = stringify({ repos })
    expect(agrees(text)).toBe('fast')
    expect(fastParseYaml(text)?.value).toStrictEqual({ repos })
  })

  it('reads YAML 1.1-isms the YAML 1.2 core way, as yaml does, on the fast path', () => {
    const text = [
      'a: yes',
      'b: no',
      'c: on',
      'd: off',
      'e: y',
      'f: 017',
      'g: 0o17',
      'h: 0x1F',
      'i: .inf',
      'j: -.Inf',
      'k: .NaN',
      'l: 2001-12-14',
      'm: 2001-12-14t21:59:43.10-05:00',
      'n: 12:30:15',
      'o: 1_000',
      'p: 0b101',
      'q: ~',
      'r: 1.50',
      's: -0',
      't: "017"',
      "u: '0x1F'",
      'v: 1e3',
      'w: +12',
      'x: .5',
      'y: 1.',
      'z: -0x1F',
      '',
    ].join('\n')
    const expected = {
      a: 'yes',
      b: 'no',
      c: 'on',
      d: 'off',
      e: 'y',
      f: 17,
      g: 15,
      h: 31,
      i: Infinity,
      j: -Infinity,
      k: NaN,
      l: '2001-12-14',
      m: '2001-12-14t21:59:43.10-05:00',
      n: '12:30:15',
      o: '1_000',
      p: '0b101',
      q: null,
      r: 1.5,
      s: -0,
      t: '017',
      u: '0x1F',
      v: 1000,
      w: 12,
      x: 0.5,
      y: 1,
      z: '-0x1F',
    }
    expect(fastParseYaml(text)?.value).toStrictEqual(expected)
    expect(parseWithPositions(text, 'meta.yaml').data).toStrictEqual(expected)
    expect(Object.is((fastParseYaml(text)?.value as { s: number }).s, -0)).toBe(true)
  })

  it("leaves to yaml what js-yaml alone reads differently, and the loader gives yaml's answer", () => {
    const error = (message: string, line: number) => ({ code: 'META_YAML', message: expect.stringContaining(message) as string, line })
    const cases: Array<[string, string, ReturnType<typeof loaded>]> = [
      ['a number too large for a double', 'a: 1e400\n', { data: { a: Infinity } }],
      ['a hexadecimal one', `a: 0x1${'0'.repeat(260)}\n`, { data: { a: Infinity } }],
      ['a null key', '~: a\n', { data: { '': 'a' } }],
      ['an empty key', ': a\n', { data: { '': 'a' } }],
      ['a %YAML 1.1 directive', '%YAML 1.1\n---\na: yes\nb: 017\n', { data: { a: true, b: 15 } }],
      ['a lone carriage return', 'a: b\rc: d\n', error('Nested mappings are not allowed in compact mappings', 1)],
      ['a byte order mark after a comment', '# c\n\ufeffa: 1\n', { data: { a: 1 } }],
      ['an indented document marker', ' ---\nk: 1\n', error('Implicit keys need to be on a single line', 1)],
      ['a document end before the document', '...\na: 1\n', error('Source contains multiple documents', 2)],
      ['an escaped line break before a blank line', 'a: "x\\\n\n  y"\n', { data: { a: 'x y' } }],
      ['an explicit indentation indicator', 'a: |-2\n     \nb: 1\n', { data: { a: '', b: 1 } }],
      ['keep chomping at the end of the text', 'a: |+\n  \n  ', { data: { a: '\n' } }],
      ['a tab in a block scalar', 'a: |\n  t\n\t\n', error('Block scalar lines must not be less indented than their first line', 3)],
      ['a key after a sequence item on its line', 'k:\n- "x" b: 1\n', error('Unexpected scalar token', 2)],
      ['a key longer than 1024 characters', `${'k'.repeat(1100)}: 1\n`, error('The : indicator must be at most 1024 chars', 1)],
      ['an indented block scalar at the root', '\n  >\n #x\n', { data: '#x\n' }],
    ]
    for (const [what, text, answer] of cases) {
      // js-yaml alone reads other data, or accepts what yaml refuses
      expect(jsYamlAlone(text), what).not.toStrictEqual('data' in answer ? { data: answer.data } : { error: expect.any(String) })
      expect(fastParseYaml(text), what).toBeUndefined()
      expect(yamlAlone(text), what).toStrictEqual(answer)
      expect(loaded(text), what).toStrictEqual(answer)
    }
  })

  it('leaves merge keys, tags, anchors, directives, several documents and duplicate keys to yaml', () => {
    const cases: Array<[string, ReturnType<typeof loaded>]> = [
      ['<<: {a: 1}\n', { data: { '<<': { a: 1 } } }],
      ['base: &b {x: 1}\nc:\n  <<: *b\n  d: 2\n', { data: { base: { x: 1 }, c: { '<<': { x: 1 }, d: 2 } } }],
      ['a: !!str 1\n', { data: { a: '1' } }],
      ['a: &x 1\nb: *x\n', { data: { a: 1, b: 1 } }],
      ['%YAML 1.2\n---\na: yes\n', { data: { a: 'yes' } }],
      ['__proto__: 1\n', { data: JSON.parse('{"__proto__": 1}') as unknown }],
      ['a: 1\n---\nb: 2\n', { code: 'META_YAML', message: expect.stringContaining('multiple documents') as string, line: 2 }],
      ['a: 1\na: 2\n', { code: 'META_YAML', message: expect.stringContaining('Map keys must be unique') as string, line: 2 }],
      ['"a": 1\na: 2\n', { code: 'META_YAML', message: expect.stringContaining('Map keys must be unique') as string, line: 2 }],
      ['a: {b: 1, b: 2}\n', { code: 'META_YAML', message: expect.stringContaining('Map keys must be unique') as string, line: 1 }],
    ]
    for (const [text, answer] of cases) {
      expect(fastParseYaml(text), text).toBeUndefined()
      expect(yamlAlone(text), text).toStrictEqual(answer)
      expect(loaded(text), text).toStrictEqual(answer)
    }
  })

  it('reports an alias yaml cannot resolve as a malformed-YAML error at the alias', () => {
    expect(loaded('kind: component\nalias: *name\n')).toStrictEqual({
      code: 'META_YAML',
      message: 'malformed YAML: Unresolved alias (the anchor must be set before the alias): name',
      line: 2,
    })
  })
})

describe('the validators written by the build', () => {
  it('give the same errors as the ones compiled in-process', () => {
    const dir = path.join(tmp, 'validators')
    mkdirSync(dir, { recursive: true })
    const require = createRequire(import.meta.url)
    const compiled = compileValidators()
    const samples: Record<SchemaName, unknown[]> = {
      component: [
        { kind: 'component', alias: 'x' },
        { kind: 'component', alias: 'X' },
        { kind: 'component' },
        { kind: 'component', alias: 'x', tagz: [] },
        { kind: 'component', alias: 'x', deps: [{ tags: 'a', verison: '1' }, 5, 'ok', { tags: 1 }] },
        { kind: 'component', alias: 'x', variations: { v: { defualt: true, install: { apt: 'x' } } } },
        { kind: 'component', alias: 'x', uid: '123', format: 2, layer: 'nope', install: { run: [1], env: { A: 1 } }, when: { platform: 'x86_64' } },
        [],
        null,
        'text',
      ],
      image: [
        { kind: 'image', alias: 'i', components: [] },
        { kind: 'image', alias: 'i', component: [] },
        { kind: 'image', alias: 'i', components: [{ tags: 'x', when: { arch: [1] } }], base: { x: { build: 1, extra: 2 } } },
      ],
      benchmark: [
        { kind: 'benchmark', alias: 'b', image: 'x', command: 'run' },
        { kind: 'benchmark', alias: 'b', image: 'x', command: 'run', repeat: 'two', warmup: -1 },
        {
          kind: 'benchmark',
          alias: 'b',
          image: 'x',
          command: 'run',
          params: { n: { default: [] } },
          outputs: { metrics: { format: 'csv' } },
          devices: { gpu: {} },
        },
      ],
      platform: [
        { kind: 'platform', alias: 'p', arch: 'amd64', dockerPlatform: 'linux/amd64', base: { build: 'a', runtime: 'b' } },
        { kind: 'platform', alias: 'p', arch: 'x', base: {} },
      ],
      repo: [{ name: 'r' }, { name: 1, uid: 'x', deps: [{ url: 2 }] }, {}],
    }
    for (const [name, source] of Object.entries(validatorModuleSources()) as Array<[SchemaName, string]>) {
      const file = path.join(dir, `${name}.gen.cjs`)
      writeFileSync(file, source)
      const gen = require(file) as { validate: { (d: unknown): boolean; errors?: unknown }; schema: unknown }
      expect(gen.schema).toStrictEqual(JSON.parse(JSON.stringify(compiled.schema(name))))
      for (const data of samples[name]) {
        const here = compiled.validator(name)
        expect(gen.validate(data), `${name} ${JSON.stringify(data)}`).toBe(here(data))
        expect(gen.validate.errors ?? null).toStrictEqual(here.errors ?? null)
      }
    }
  })
})
