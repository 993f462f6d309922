// `cmc add KIND ALIAS`: a new artifact folder with a fresh uid and a commented
// starting meta for its kind. Never overwrites.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from '../errors.js'
import { KINDS, type Kind } from '../meta/kinds.js'
import { newUid } from '../meta/uid.js'
import { schemaDir } from '../paths.js'
import { REPO_FILE } from './repoMeta.js'

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
  benchmark: `image: my-image         # alias of the image it runs in (cmc add image my-image)
files: [run.sh]         # files of this folder copied into the image (last layer)
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

/** Files a kind's template starts with besides cmc.yaml, and their modes. */
const extraFiles: Partial<Record<Kind, Record<string, { text: string; mode: number }>>> = {
  benchmark: {
    'run.sh': {
      mode: 0o755,
      text: `#!/bin/sh
# What cmc runs in the container (cmc.yaml's command: ./run.sh --size N --out FILE).
# Replace the loop with the workload; write its metrics as one JSON object to FILE.
set -eu
size=1024
out=/cmc/out/metrics.json
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
start=$(date +%s%N)
i=0
while [ "$i" -lt "$size" ]; do i=$((i + 1)); done
end=$(date +%s%N)
echo "{\\"seconds\\": $((end - start))e-9, \\"size\\": $size}" > "$out"
`,
    },
  },
}

/** The repository a new artifact's folder is in: the nearest folder at or above `dir` with a cmc-repo.yaml. */
function enclosingRepo(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, REPO_FILE))) return d
    if (path.dirname(d) === d) return undefined
  }
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
  if (!enclosingRepo(path.dirname(dir)))
    throw new CmcError('REPO_NOT_A_REPO', `${path.dirname(dir)} is in no cmc repository: no ${REPO_FILE} there or in a folder above`, {
      hint: `make it one first (printf 'name: my-repo\\n' > ${path.join(path.dirname(dir), REPO_FILE)}), or give --in a folder of a repository`,
    })
  if (existsSync(dir)) throw new CmcError('ARTIFACT_EXISTS', `${dir} already exists`, { hint: 'choose another alias or edit the existing folder' })
  const uid = newUid()
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, 'cmc.yaml')
  const head = `# yaml-language-server: $schema=${path.join(schemaDir, 'cmc.schema.json')}\nkind: ${kind}\nalias: ${alias}\nuid: '${uid}'\ntags: [${[alias, ...tags].join(', ')}]\n`
  writeFileSync(file, head + bodies[kind as Kind], { flag: 'wx' })
  for (const [name, f] of Object.entries(extraFiles[kind as Kind] ?? {})) writeFileSync(path.join(dir, name), f.text, { flag: 'wx', mode: f.mode })
  return { dir, file, uid }
}
