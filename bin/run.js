#!/usr/bin/env node
// Entry point of the `cmc` CLI. A command whose argv is plain runs without oclif
// (src/cli/fast.ts); everything else, help and errors included, goes to oclif,
// which reads the command manifest so only the invoked command's module is loaded.
// Both load the command's bundle that `npm run build` writes (scripts/bundle.mjs):
// the command is found from argv first, so only its own bundle is read.
// `execute` is taken from its own module: @oclif/core's index loads all of
// oclif (~50 modules more, semver among them) and runs two start-up checks,
// which are made here instead, the same way.
import { createRequire } from 'node:module'
import { commandOf } from '../dist/cli/commandOf.js'

try {
  process.cwd()
} catch (error) {
  if (error.code === 'ENOENT') process.stderr.write('WARNING: current directory does not exist\n')
}

const noEngineWarning = process.env.OCLIF_DISABLE_ENGINE_WARNING
if (!(noEngineWarning && ['1', 'true', 'y', 'yes'].includes(noEngineWarning.toLowerCase()))) {
  try {
    const require = createRequire(import.meta.url)
    const oclifPackage = require.resolve('@oclif/core/package.json')
    const wanted = require(oclifPackage).engines.node
    const plain = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(wanted)
    const have = /^(\d+)\.(\d+)\.(\d+)$/.exec(process.versions.node)
    const cmp = (a, b) => a.slice(1).reduce((r, x, i) => r || Number(x) - Number(b[i + 1]), 0)
    // a plain ">=x.y.z" against a release version needs no semver
    const ok = plain && have ? cmp(have, plain) >= 0 : createRequire(oclifPackage)('semver').satisfies(process.versions.node, wanted)
    if (!ok) process.emitWarning(`Node version must be ${wanted} to use this CLI. Current node version: ${process.versions.node}`)
  } catch {
    // ignore, as oclif does
  }
}

// A reader that goes away (`cmc run ... 2>&1 | head`) must not end a run before it
// has stopped and removed its container: writes to a closed pipe are dropped.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error
  })
}

const argv = process.argv.slice(2)
const command = process.env.CMC_NO_FAST_PATH ? undefined : commandOf(argv, new URL('../dist/bundle/commands/', import.meta.url))
const fast = command && (await import(`../dist/bundle/fast/${command.id.replace(' ', '/')}.js`))
if (!(fast && (await fast.runFast(argv)))) {
  const { execute } = await import('@oclif/core/execute')
  await execute({ dir: import.meta.url })
}
