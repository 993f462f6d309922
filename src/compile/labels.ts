// Provenance labels every cmc image carries: who made it, from which plan,
// which artifacts (uids) and repos. `cmc push/export` and records read them back.
import type { BuildPlan } from '../resolve/plan.js'
import { cmcVersion } from '../version.js'

export function provenanceLabels(plan: BuildPlan): Record<string, string> {
  const uids = [plan.image.uid, ...plan.nodes.map((n) => n.uid), ...(plan.benchmark ? [plan.benchmark.uid] : [])]
  return {
    'cmc.managed': '1',
    'cmc.version': cmcVersion,
    'cmc.plan-hash': plan.hash,
    'cmc.target': `${plan.target.kind}:${plan.target.alias}`,
    'cmc.image': plan.image.alias,
    'cmc.platform': plan.platform.name,
    'cmc.artifacts': [...new Set(uids)].join(','),
    'cmc.repos': [...new Set([plan.image.repo, ...plan.nodes.map((n) => n.repo), ...(plan.benchmark ? [plan.benchmark.repo] : [])])].sort().join(','),
    'org.opencontainers.image.title': plan.target.alias,
    'org.opencontainers.image.revision': plan.hash.slice(0, 12),
  }
}
