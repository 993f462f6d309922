// Deterministic topological order: deps first; among nodes ready at the same
// time, lower cache layers first (os -> toolchain -> library -> app), then alias.
import type { PlanNode } from './plan.js'

const LAYER_RANK = { os: 0, toolchain: 1, library: 2, app: 3 } as const

export function topoOrder(nodes: PlanNode[]): PlanNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const pending = new Map(nodes.map((n) => [n.id, new Set(n.deps.filter((d) => byId.has(d)))]))
  const out: PlanNode[] = []
  const cmp = (a: PlanNode, b: PlanNode) => LAYER_RANK[a.layer] - LAYER_RANK[b.layer] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  while (pending.size) {
    const ready = [...pending.entries()]
      .filter(([, deps]) => deps.size === 0)
      .map(([id]) => byId.get(id)!)
      .sort(cmp)
    // Cycles are rejected during resolution; this guards against a bug looping forever.
    if (!ready.length) throw new Error(`internal: cycle among ${[...pending.keys()].join(', ')}`)
    const next = ready[0]
    out.push(next)
    pending.delete(next.id)
    for (const deps of pending.values()) deps.delete(next.id)
  }
  return out
}
