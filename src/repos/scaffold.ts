// `cmc add KIND ALIAS`: a new artifact folder with a fresh uid and a commented
// starting meta for its kind. Never overwrites.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from '../errors.js'
import { KINDS, type Kind } from '../meta/kinds.js'
import { newUid } from '../meta/uid.js'
import { schemaDir } from '../paths.js'

const bodies: Record<Kind, string> = {
  component: `layer: library          # os | toolchain | library | app (cache order)
deps: []                # tag queries, e.g. [{ tags: "os,debian" }]
install:
  apt: []               # packages installed in the build stage
  # run: ./install.sh   # files of this folder are in the working directory
runtime:
  apt: []               # what the runtime stage keeps
  copy: []
`,
  image: `platforms: [x86_64, arm64]
components:
  - tags: os,debian
`,
  benchmark: `image: my-image         # alias of the image it runs in
files: []               # files of this folder copied into the image (last layer)
command: ./run.sh --size {{size}} --out /cmc/out/metrics.json
params:
  size: { default: 1024, values: [1024, 4096] }
outputs:
  dir: /cmc/out
  metrics: { file: metrics.json, format: json }
repeat: 3
warmup: 1
`,
  platform: `arch: amd64
dockerPlatform: linux/amd64
base: { build: "debian:bookworm", runtime: "debian:bookworm" }
`,
}

export function scaffoldArtifact(kind: string, alias: string, parent: string, tags: string[] = []): { dir: string; file: string; uid: string } {
  if (!KINDS.includes(kind as Kind)) {
    throw new CmcError('META_KIND', `unknown kind "${kind}"`, { hint: `use one of: ${KINDS.join(', ')}` })
  }
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(alias)) {
    throw new CmcError('META_ALIAS', `"${alias}" is not a valid alias`, {
      hint: 'use lower-case letters, digits, ".", "_" and "-", starting with a letter or digit',
    })
  }
  const dir = path.resolve(parent, alias)
  if (existsSync(dir)) throw new CmcError('ARTIFACT_EXISTS', `${dir} already exists`, { hint: 'choose another alias or edit the existing folder' })
  const uid = newUid()
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, 'cmc.yaml')
  const head = `# yaml-language-server: $schema=${path.join(schemaDir, 'cmc.schema.json')}\nkind: ${kind}\nalias: ${alias}\nuid: ${uid}\ntags: [${[alias, ...tags].join(', ')}]\n`
  writeFileSync(file, head + bodies[kind as Kind], { flag: 'wx' })
  return { dir, file, uid }
}
