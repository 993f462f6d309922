// The comparison `cmc exp compare A B` and the dashboard's /api/compare make:
// both sides picked from a store, the setup of every run known, and the rule of
// compareGroups with all its refusals. One function, so that the two cannot
// apply different guards.
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { compareGroups, hasSetup, type Comparable, type CompareOptions, type Comparison } from './compare.js'
import { selectComparable } from './select.js'
import type { Store } from './store.js'

/** Compare the runs A selects with those B selects (each an id, a unique id prefix or a query). */
export function compareSelections(store: Store, a: string, b: string, opts: CompareOptions = {}, events?: EventSink): Comparison {
  const A = withSetups(store, selectComparable(store, a, events), events)
  const B = withSetups(store, selectComparable(store, b, events), events)
  const comparison = compareGroups(A, B, opts)
  if (!comparison.metrics.length) {
    const names = (g: Comparable[]) => [...new Set(g.flatMap((r) => Object.keys(r.metrics)))].sort().join(', ') || 'none'
    throw new CmcError('COMPARE_NO_COMMON_METRIC', `the sides have no metric in common: A has ${names(A)}; B has ${names(B)}`, {
      hint: 'compare runs that measure the same thing; see what each side holds with `cmc exp list --where QUERY` or `cmc exp show ID`',
    })
  }
  return comparison
}

/**
 * The runs with their setups: the index keeps them, but lines written before it
 * kept limits do not, and those runs' setups are read from their record files.
 * A record that cannot be read is left out, as selectRecords leaves it out.
 */
function withSetups(store: Store, group: Comparable[], events?: EventSink): Comparable[] {
  const out: Comparable[] = []
  for (const run of group) {
    if (hasSetup(run)) {
      out.push(run)
      continue
    }
    try {
      const { benchmark, params, limits } = store.get(run.id)
      out.push({ ...run, benchmark, params, limits })
    } catch (e) {
      if (!(e instanceof CmcError)) throw e
      events?.({ type: 'log', level: 'warn', message: `skipped ${run.id}: ${(e as Error).message}` })
    }
  }
  return out
}
