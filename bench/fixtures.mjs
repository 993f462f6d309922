// Generated inputs shared by the bench scripts: a repo of N artifacts and a
// store of N synthetic records.
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/** A repo of `n` artifacts: components with tags, deps and variations, every 50th an image or a benchmark. */
export function makeRepo(repo, n) {
  mkdirSync(repo, { recursive: true })
  writeFileSync(path.join(repo, 'cmc-repo.yaml'), `name: bench-${n}\n`)
  const hex = (i, p) => (p + i.toString(16)).padStart(16, '0').slice(-16)
  for (let i = 0; i < n; i++) {
    const dir = path.join(repo, `c${String(i).padStart(5, '0')}`)
    mkdirSync(dir)
    const kind = i % 50 === 49 ? 'benchmark' : i % 50 === 48 ? 'image' : 'component'
    let text = `kind: ${kind}\nalias: a${i}\nuid: ${hex(i, 'c')}\ntags: [t${i % 97}, group${i % 7}, ${i % 2 ? 'python' : 'cpp'}${i % 3 ? '' : ', dev'}]\n`
    if (kind === 'component')
      text += `install:\n  apt: [pkg${i}]\n${i > 0 ? `deps:\n  - tags: t${(i - 1) % 97}\n` : ''}variations:\n  fast: { group: speed, default: true, env: { SPEED: fast } }\n  slow: { group: speed, env: { SPEED: slow } }\n`
    if (kind === 'image') text += `platforms: [x86_64, arm64]\ncomponents:\n  - tags: os,debian\n`
    if (kind === 'benchmark') text += `image: a${i - 1}\ncommand: echo ${i}\n`
    writeFileSync(path.join(dir, 'cmc.yaml'), text)
  }
  return repo
}
