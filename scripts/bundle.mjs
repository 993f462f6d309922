// Writes dist/bundle/: what bin/run.js and oclif load, made by esbuild from
// tsc's output in dist/. Run by `npm run build`, after tsc.
//
// Why: a command's start-up is mostly Node's ES module loader finding,
// reading and linking each of the many files a `cmc run` imports, not the
// code in them. So each command is bundled on its own, with the fast path
// that runs it (src/cli/fast.ts): commands/<id>.js, which oclif loads (the
// package's oclif.commands), fast/<id>.js, which bin/run.js loads, and the
// code both share in chunks/<id>/. One process runs one command, so it loads
// one bundle's files only, and one copy of each module whichever way the
// command is run. (One build for all the commands would split their shared
// code into a chunk per set of commands that share it: many more files.)
// Packages stay outside (they load through require, which is cheaper per
// file, and src/lazy.ts puts most of them off); a dynamic import() stays a
// split point, loaded only when it runs. The modules find their package's
// files from packageRoot (src/paths.ts), which holds wherever they sit.
import { readdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dist = path.join(root, 'dist')
const out = path.join(dist, 'bundle')

/** Each command module tsc wrote, as its path under dist/commands without `.js` (`run`, `exp/list`, `jobs/index`). */
const commands = readdirSync(path.join(dist, 'commands'), { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.js'))
  .map((e) => path.relative(path.join(dist, 'commands'), path.join(e.parentPath, e.name)).slice(0, -3))

// a stale chunk would be harmless but confusing: start from nothing
rmSync(out, { recursive: true, force: true })
await Promise.all(
  commands.map((name) =>
    build({
      entryPoints: { [`commands/${name}`]: path.join(dist, 'commands', `${name}.js`), [`fast/${name}`]: path.join(dist, 'cli/fast.js') },
      outdir: out,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      chunkNames: `chunks/${name}/[name]-[hash]`,
      logLevel: 'warning',
    }),
  ),
)
