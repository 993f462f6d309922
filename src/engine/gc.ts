// Leftovers of cmc runs that did not end by themselves: a `cmc run` killed
// with SIGKILL (or a machine that lost power) cannot remove its container and
// outputs volume. Every container cmc creates is labelled with its owner
// (host and process id); a sweep removes the ones whose owner on this host is
// gone, and the labelled volumes no container uses any more. A container of a
// run still going, or of another host sharing the engine, is left alone.
import os from 'node:os'
import { getDocker, isConnectionError, noDaemonError } from './docker.js'
import { MANAGED_LABEL, OWNER_LABEL } from './run.js'

export interface Leftover {
  kind: 'container' | 'volume'
  id: string
  /** the benchmark and record id for a container */
  what: string
  state: string
  action: 'removed' | 'would remove' | 'kept' | 'failed'
  why: string
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' // someone else's process, but alive
  }
}

/** Whose a container is, and whether that owner is gone (only decidable on the owner's host). */
function ownerGone(owner: string | undefined, state: string): { gone: boolean; why: string } {
  const m = owner ? /^(.*):(\d+)$/.exec(owner) : null
  if (!m) {
    // made before owners were labelled: only a container that is not running
    return state === 'running' ? { gone: false, why: 'running, no owner label' } : { gone: true, why: `${state}, no owner label` }
  }
  const [, host, pid] = m
  if (host !== os.hostname()) return { gone: false, why: `owned by a cmc on host ${host}` }
  return alive(Number(pid)) ? { gone: false, why: `its cmc (pid ${pid}) is still running` } : { gone: true, why: `its cmc (pid ${pid}) is gone` }
}

export async function sweepLeftovers(opts: { dryRun?: boolean } = {}): Promise<Leftover[]> {
  const docker = getDocker()
  const out: Leftover[] = []
  try {
    const containers = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${MANAGED_LABEL}=1`] }) })
    for (const c of containers) {
      const { gone, why } = ownerGone(c.Labels[OWNER_LABEL], c.State)
      const item: Leftover = { kind: 'container', id: c.Id.slice(0, 12), what: `${c.Labels['cmc.benchmark'] ?? '?'} ${c.Labels['cmc.run'] ?? ''}`.trim(), state: c.State, action: 'kept', why }
      if (gone) {
        if (opts.dryRun) item.action = 'would remove'
        else {
          try {
            await docker.getContainer(c.Id).remove({ force: true, v: true })
            item.action = 'removed'
          } catch (e) {
            item.action = 'failed'
            item.why = `${why}; ${(e as { json?: { message?: string } }).json?.message ?? (e as Error).message}`
          }
        }
      }
      out.push(item)
    }
    // volumes no container uses: those of the containers just removed went with them (v=true)
    const { Volumes } = await docker.listVolumes({ filters: JSON.stringify({ label: [`${MANAGED_LABEL}=1`], dangling: ['true'] }) })
    for (const v of Volumes ?? []) {
      const item: Leftover = { kind: 'volume', id: v.Name.slice(0, 12), what: `${v.Labels?.['cmc.benchmark'] ?? '?'} ${v.Labels?.['cmc.run'] ?? ''}`.trim(), state: 'unused', action: opts.dryRun ? 'would remove' : 'removed', why: 'no container uses it' }
      if (!opts.dryRun) {
        try {
          await docker.getVolume(v.Name).remove()
        } catch (e) {
          // taken by a container created since the listing: it is not a leftover
          item.action = 'kept'
          item.why = (e as { json?: { message?: string } }).json?.message ?? (e as Error).message
        }
      }
      out.push(item)
    }
  } catch (e) {
    if (isConnectionError(e)) throw noDaemonError(e)
    throw e
  }
  return out
}
