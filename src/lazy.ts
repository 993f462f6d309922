// Modules loaded on first use, in one place. A cmc command is a short-lived
// process whose start-up is part of every invocation users run in loops, and
// each module below serves a few paths only (a version range, a template, a
// build context, a zip, a git clone, a YAML document the fast path declined,
// meta files that changed since the index was cached, the engine client and
// its build half, oclif's parser and help). The rest of the code imports
// normally and asks this module for these; bench/startup.mjs holds the
// start-up budgets.
import Module, { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/** A loader that runs once and then returns what it loaded. */
function once<T>(load: () => T): () => T {
  let loaded: { value: T } | undefined
  return () => (loaded ??= { value: load() }).value
}

export const semver = once(() => require('semver') as typeof import('semver'))
export const yaml = once(() => require('yaml') as typeof import('yaml'))
/** js-yaml's CommonJS build, which parses faster than its ES module build. */
export const jsYaml = once(() => require('js-yaml') as typeof import('js-yaml'))
export const tarStream = once(() => require('tar-stream') as typeof import('tar-stream'))
export const handlebars = once(() => require('handlebars') as typeof import('handlebars'))
export const fflate = once(() => require('fflate') as typeof import('fflate'))
/** Docker's .dockerignore matcher, for the folders that have patterns: the package's factory is its `default`. */
export const dockerignore = once(() => (require('@balena/dockerignore') as typeof import('@balena/dockerignore')).default)
/**
 * jstat's t distribution. Required, not imported: an ES import of this one 130 KB
 * CommonJS file runs Node's export lexer over it, several times the cost of require.
 */
export const jstat = once(() => require('jstat') as typeof import('jstat').default)
/** node:crypto, for the docker context lookup made before the first engine request: only a set context needs it. */
export const nodeCrypto = once(() => require('node:crypto') as typeof import('node:crypto'))
/** execa is published as ES modules only. */
export const execa = once(() => import('execa'))

/** The engine's build client and BuildKit's trace decoder: an image found up to date needs neither. */
export const engineBuilder = once(() => import('./engine/build.js'))

/** The meta reader and, through it, the parsers and validators: a warm index reads none of them. */
export const metaLoader = once(() => import('./meta/load.js'))

/** The repo walker and meta readers that fill an index cache: a warm index reads none of them. */
export const reindexer = once(() => import('./repos/reindex.js'))

/** oclif's parts from their own modules: its index loads all of oclif. */
export const oclif = {
  command: once(() => require('@oclif/core/command') as typeof import('@oclif/core/command')),
  flags: once(() => require('@oclif/core/flags') as typeof import('@oclif/core/flags')),
  args: once(() => require('@oclif/core/args') as typeof import('@oclif/core/args')),
  parser: once(() => require('@oclif/core/parser') as typeof import('@oclif/core/parser')),
  errors: once(() => require('@oclif/core/errors') as typeof import('@oclif/core/errors')),
}

/**
 * dockerode, with the parts of it that only some engine paths use put off
 * until they are called: as they load, dockerode and docker-modem require gRPC
 * and protobuf (the BuildKit session), ssh2 (ssh:// hosts), tar-fs (contexts
 * from a folder: cmc sends a tar stream), readable-stream (hijacked
 * connections) and debug (off unless DEBUG is set), most of the client's load
 * for code few commands call. Each is replaced in require's cache by a
 * stand-in that loads the real module on its first call.
 */
export const dockerode = once(() => {
  const inDockerode = requireIn(require, 'dockerode')
  const inModem = inDockerode && requireIn(inDockerode, 'docker-modem')
  deferModule(inDockerode, './lib/session.js')
  deferModule(inModem, './lib/ssh.js')
  deferModule(inModem, './lib/http_duplex.js')
  deferModule(inDockerode, 'tar-fs', (load) => {
    const tarFs = () => load() as { pack: Fn; extract: Fn }
    return { pack: (...a: unknown[]) => tarFs().pack(...a), extract: (...a: unknown[]) => tarFs().extract(...a) }
  })
  // docker-modem's one use of debug, `require('debug')('modem')` as it loads; the
  // stand-in is taken out again once dockerode has loaded, so anything else that
  // requires debug later gets the real module
  const releaseDebug = deferModule(
    inModem,
    'debug',
    (load) => (ns: string) => (process.env.DEBUG ? (load() as Fn)(ns) : Object.assign(() => {}, { enabled: false, namespace: ns })),
  )
  const Docker = require('dockerode') as typeof import('dockerode')
  releaseDebug()
  return Docker
})

type Fn = (...args: unknown[]) => unknown

/** A module that exports one function: the real one loads on the first call (`new` included). */
const callThrough = (load: () => unknown) =>
  function (this: unknown, ...args: unknown[]) {
    return (load() as Fn).apply(this, args)
  }

/**
 * Puts a stand-in for a module in require's cache; `standIn` gets the loader
 * of the real module. Where the file is not where expected, or the module is
 * already loaded, nothing is stubbed and it loads as usual. Returns a function
 * that takes the stand-in out of the cache again.
 */
function deferModule(from: NodeJS.Require | undefined, file: string, standIn: (load: () => unknown) => unknown = callThrough): () => void {
  try {
    if (!from) return () => {}
    const resolved = from.resolve(file)
    if (require.cache[resolved]) return () => {}
    let real: unknown
    const load = () => {
      if (real === undefined) {
        if (require.cache[resolved] === stub) delete require.cache[resolved]
        real = from(resolved)
      }
      return real
    }
    const stub = new Module(resolved)
    stub.filename = resolved
    stub.loaded = true
    stub.exports = standIn(load)
    require.cache[resolved] = stub
    return () => {
      if (require.cache[resolved] === stub) delete require.cache[resolved]
    }
  } catch {
    return () => {} // load them normally
  }
}

/** require as seen from inside a package that `from` requires; undefined when it is not there. */
function requireIn(from: NodeJS.Require, pkg: string): NodeJS.Require | undefined {
  try {
    return createRequire(from.resolve(`${pkg}/package.json`))
  } catch {
    return undefined
  }
}
