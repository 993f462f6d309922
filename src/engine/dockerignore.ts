// .dockerignore matching (the subset Docker documents): `*`, `?`, `**`,
// leading `/` ignored, `!` re-includes, later patterns win, comments with `#`.

export type IgnoreMatcher = (relPath: string) => boolean

function toRegex(pattern: string): RegExp {
  let p = pattern.trim().replace(/^\/+/, '').replace(/\/+$/, '')
  if (p.startsWith('./')) p = p.slice(2)
  let re = ''
  for (let i = 0; i < p.length; i++) {
    const c = p[i]
    if (c === '*' && p[i + 1] === '*') {
      re += '.*'
      i++
      if (p[i + 1] === '/') i++
    } else if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  // a pattern matching a folder also matches everything below it
  return new RegExp(`^${re}(/.*)?$`)
}

export function parseDockerignore(text: string): IgnoreMatcher {
  const rules = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    .map((l) => (l.startsWith('!') ? { neg: true, re: toRegex(l.slice(1)) } : { neg: false, re: toRegex(l) }))
  return (rel) => {
    let ignored = false
    for (const r of rules) if (r.re.test(rel)) ignored = !r.neg
    return ignored
  }
}
