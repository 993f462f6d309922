// A CM plan as a tree of text lines: each dep in its place (deps and
// prehook_deps before the script, posthook_deps and post_deps after), with
// why it is in or out (its conditions, variations, version).
import type { CmPlan, CmPlanNode } from './plan.js'

const MARK: Record<CmPlanNode['status'], string> = { in: '+', out: '-', missing: '!', repeat: '=', cached: '=', cycle: '!' }

function nodeLine(n: CmPlanNode): string {
  const name = n.script
    ? `${n.script.alias}${
        n.variations?.length
          ? `[${n.variations
              .filter((v) => !v.tag.includes(','))
              .map((v) => `_${v.tag}`)
              .join(',')}]`
          : ''
      }`
    : `"${n.tags}"`
  const version = n.version ? ` ${n.version.version || 'any version'} (${n.version.why})` : ''
  const via = n.list === 'target' ? '' : `${n.list}: `
  const names = n.names.length ? ` as ${n.names.join('|')}` : ''
  const state = n.status === 'in' ? '' : ` [${n.status === 'out' ? 'out' : n.status}]`
  return `${MARK[n.status]} ${via}${name}${names}${version}${state}`
}

export function renderCmPlan(plan: CmPlan): string[] {
  const out: string[] = []
  const walk = (n: CmPlanNode, depth: number) => {
    const pad = '  '.repeat(depth)
    out.push(pad + nodeLine(n))
    if (n.script && n.list !== 'target') out.push(`${pad}    tags: ${n.tags}`)
    for (const w of n.why) out.push(`${pad}    ${w}`)
    for (const v of n.variations ?? []) if (v.why !== 'asked for' || n.list === 'target') out.push(`${pad}    _${v.tag}: ${v.why}`)
    for (const c of n.children) walk(c, depth + 1)
  }
  walk(plan.tree, 0)
  out.push(`run order: ${plan.order.join(' -> ')}`)
  out.push(`(${plan.order.length} script runs; + in, - left out by a condition, = planned or cached above, ! not found or a cycle)`)
  out.push('env set by scripts as they run (their new_env_keys) is not known before a run: conditions here see the metas and --env only')
  return out
}
