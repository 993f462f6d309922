// The compiled Dockerfile of a plan, kept on disk between processes. compile()
// is a pure function of the plan, its options and the templates, so its output
// is stored under a hash of all three (and cmc's version) in ${CMC_HOME}/compiled/.
// A no-op `cmc build` or `cmc run` then loads neither handlebars nor the
// templates (compile.ts takes both on first use).
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { makeFolders, replaceFile } from '../files.js'
import { cmcHome, templatesDir } from '../paths.js'
import type { BuildPlan } from '../resolve/plan.js'
import { cmcVersion } from '../version.js'
import { compile } from './compile.js'
import type { CompiledImage } from './types.js'

export type CompileOptions = Parameters<typeof compile>[1]

/** Every template file with its size and mtime: an edited template changes the key. */
function templatesStamp(dir = templatesDir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) return templatesStamp(p)
      const st = statSync(p)
      return [`${path.relative(templatesDir, p)}:${st.size}:${st.mtimeMs}`]
    })
}

/** Changes whenever what compile() returns changes shape, so older memos are not read. */
const COMPILED_FORMAT = 2

export function compileKey(plan: BuildPlan, opts: CompileOptions): string {
  return createHash('sha256')
    .update(JSON.stringify([COMPILED_FORMAT, cmcVersion, templatesStamp(), opts, plan]))
    .digest('hex')
    .slice(0, 32)
}

/** compile(plan, opts), from the on-disk memo when this exact input was compiled before. */
export async function compileMemo(plan: BuildPlan, opts: CompileOptions): Promise<CompiledImage> {
  const file = path.join(cmcHome(), 'compiled', `${compileKey(plan, opts)}.json`)
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CompiledImage
  } catch {
    // not compiled yet (or a damaged file): compile
  }
  const compiled = compile(plan, opts)
  try {
    makeFolders(path.dirname(file))
    replaceFile(file, JSON.stringify(compiled))
  } catch {
    // a read-only home: compile every time
  }
  return compiled
}
