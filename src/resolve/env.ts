// Env precedence, lowest to highest (docs/resolve.md):
//   1. component env and install.env, in plan order (a dependent overrides its deps)
//   2. selected variations' env (already folded into the node's install.env)
//   3. env a dep passes to the component it names (`deps: [{tags, env}]`)
//   4. the image's env
//   5. the benchmark's env
//   6. --env on the command line
import type { PlanNode } from './plan.js'

export function mergeEnv(
  nodes: PlanNode[],
  depEnv: (id: string) => Record<string, string> | undefined,
  imageEnv?: Record<string, string>,
  benchmarkEnv?: Record<string, string>,
  cliEnv?: Record<string, string>,
): Record<string, string> {
  let env: Record<string, string> = {}
  for (const n of nodes) env = { ...env, ...n.install.env, ...n.runtime.env }
  for (const n of nodes) env = { ...env, ...depEnv(n.id) }
  return sortKeys({ ...env, ...imageEnv, ...benchmarkEnv, ...cliEnv })
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
