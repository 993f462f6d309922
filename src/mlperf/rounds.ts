// The submission layout of each MLPerf inference round, as its submission
// checker (mlcommons/inference tools/submission) looks for the files:
//   v6.0:        <division>/<submitter>/src/<benchmark>/, and in
//                results/<system>/<benchmark>/<scenario>/ everything else:
//                measurements.json, user.conf, README.md, TEST0X/
//   v1.0 - v5.1: <division>/<submitter>/code/<benchmark>/, and beside results/
//                measurements/<system>/<benchmark>/<scenario>/ (<system>_<scenario>.json,
//                user.conf, README.md, mlperf.conf up to v4.1) and
//                compliance/<system>/<benchmark>/<scenario>/TEST0X/
// What each compliance test's folder must hold is in compliance.ts.
import { CmcError } from '../errors.js'

export interface RoundLayout {
  round: string
  /** the folder under <division>/<submitter> that holds the code, one folder per benchmark */
  code: 'code' | 'src'
  /** measurements/ and compliance/ trees beside results/ (the older rounds), else all in the scenario folder */
  besideResults: boolean
  /** whether the checker wants mlperf.conf in the measurements folder */
  mlperfConf: boolean
}

/** The rounds whose layout this module knows, oldest first. */
export const ROUNDS = ['v1.0', 'v1.1', 'v2.0', 'v2.1', 'v3.0', 'v3.1', 'v4.0', 'v4.1', 'v5.0', 'v5.1', 'v6.0'] as const
export const NEWEST_ROUND = ROUNDS[ROUNDS.length - 1]!

/** A round as MLPerf names it (v4.1), from 4.1, V4.1 or v4.1; undefined when it is not one. */
export function roundName(raw: string): string | undefined {
  const m = /^[vV]?(\d+)\.(\d+)$/.exec(raw.trim())
  return m ? `v${Number(m[1])}.${Number(m[2])}` : undefined
}

/** -1, 0, 1 as round a is before, the same as, or after round b. */
export function compareRounds(a: string, b: string): number {
  const [am, an] = a.slice(1).split('.').map(Number)
  const [bm, bn] = b.slice(1).split('.').map(Number)
  return Math.sign(am! - bm! || an! - bn!)
}

/** The layout of a round this module knows; a round it does not know is refused with the ones it does. */
export function layoutOf(round: string): RoundLayout {
  const name = roundName(round)
  if (!name || !(ROUNDS as readonly string[]).includes(name))
    throw new CmcError('FLAG_VALUE', `--round ${round}: not a round whose submission layout cmc knows (${ROUNDS.join(', ')})`, {
      hint: `e.g. --round ${NEWEST_ROUND}`,
    })
  const before = (r: string) => compareRounds(name, r) < 0
  return { round: name, code: before('v6.0') ? 'code' : 'src', besideResults: before('v6.0'), mlperfConf: before('v5.0') }
}
