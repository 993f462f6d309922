// CM/MLC scripts met where cmc would build or run. cmc plans them (`cmc plan
// SCRIPT`), but running one needs the MLC runtime (its customize.py and
// run.sh hooks), which cmc does not reimplement: a script named as a target,
// or an image whose dep only a CM script answers, is refused, plainly, rather
// than compiled without a step for it.
import { CmcError, type SourcePosition } from '../errors.js'
import type { Artifact } from '../meta/artifact.js'

/** The cmc components among the candidates of a dep; throws where only CM scripts answer it. */
export function withoutCmScripts(candidates: Artifact[], dep: string, requester: Artifact, where: () => SourcePosition): Artifact[] {
  const own = candidates.filter((a) => a.format !== 'cm')
  if (own.length || !candidates.length) return own
  const names = candidates.map((a) => `${a.repo}:${a.alias}`).join(', ')
  throw new CmcError(
    'CM_NEEDS_MLC',
    `dep "${dep}" of ${requester.alias} is the CM/MLC script ${names}: running it needs the MLC runtime (its customize.py and run.sh), which cmc does not reimplement`,
    {
      where: where(),
      hint: mlcWays(candidates[0].alias, dep, 'a cmc component that installs what it needs and depend on that'),
    },
  )
}

/** A CM/MLC script named as what to build or run: what cmc does with one (plan it) and what runs it. */
export function refuseCmScript(script: Artifact): never {
  throw new CmcError(
    'CM_NEEDS_MLC',
    `${script.alias} (${script.repo}) is a CM/MLC script: cmc plans it but does not build or run it; that needs the MLC runtime (its customize.py and run.sh)`,
    {
      hint: mlcWays(script.alias, script.tags.join(','), 'a cmc image that installs what it needs'),
    },
  )
}

/** What to do instead of building a CM script: plan it, run it with MLC by these tags, or write `instead`. */
function mlcWays(alias: string, tags: string, instead: string): string {
  return `see what it would do with \`cmc plan ${alias}\`; run it with MLC (pip install mlcflow; mlcr ${tags}), or write ${instead}`
}
