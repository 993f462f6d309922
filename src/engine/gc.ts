// Leftovers of cmc runs that did not end by themselves: a `cmc run` killed
// with SIGKILL (or a machine that lost power) cannot remove its container and
// outputs volume. Every container cmc run creates is labelled with its owner
// (host, process id, and on Linux the process's pid namespace and start time);
// a sweep removes the ones whose owner on this host is gone, and the labelled
// volumes no container uses any more. A run still going, a run of another host
// or pid namespace sharing the engine, and containers cmc did not create
// (cmc images carry `cmc.managed` too, so a plain `docker run` of one has it)
// are left alone.
import { readFileSync, readlinkSync } from 'node:fs'
import os from 'node:os'
import { processAlive } from '../files.js'
import { engineMessage, getDocker, isConnectionError, noDaemonError } from './docker.js'

export const MANAGED_LABEL = 'cmc.managed'
/** host:pid of the cmc process that created a container */
export const OWNER_LABEL = 'cmc.owner'
/** pid-namespace:start-time of that process, where /proc tells (Linux) */
export const OWNER_PROC_LABEL = 'cmc.owner-proc'

export interface Leftover {
  kind: 'container' | 'volume' | 'image'
  id: string
  /** the benchmark and record id */
  what: string
  state: string
  action: 'removed' | 'would remove' | 'kept' | 'failed'
  why: string
}

/** A process's pid namespace and start time (clock ticks since boot), or undefined off Linux. */
function procIdentity(pid: number | 'self'): string | undefined {
  try {
    const ns = readlinkSync(`/proc/${pid}/ns/pid`)
    // field 22 of stat; the command name (field 2) may hold spaces, so count after its ')'
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
    return `${ns}:${start}`
  } catch {
    return undefined
  }
}

/** The labels that say which process made a container. */
export function ownerLabels(): Record<string, string> {
  const proc = procIdentity('self')
  return { [OWNER_LABEL]: `${os.hostname()}:${process.pid}`, ...(proc ? { [OWNER_PROC_LABEL]: proc } : {}) }
}

/** Whether a container's owner is gone: decidable only on its host, in its pid namespace. */
function ownerGone(labels: Record<string, string>, state: string): { gone: boolean; why: string } {
  const m = /^(.*):(\d+)$/.exec(labels[OWNER_LABEL] ?? '')
  if (!m) {
    // a container of cmc run from before owners were labelled has cmc.run (an
    // image label never does); anything else was made from a cmc image by someone else
    if (!labels['cmc.run']) return { gone: false, why: 'not made by cmc run (made from a cmc image)' }
    return state === 'running' ? { gone: false, why: 'running, no owner label' } : { gone: true, why: `${state}, no owner label` }
  }
  const [, host, pidText] = m
  const pid = Number(pidText)
  if (host !== os.hostname()) return { gone: false, why: `owned by a cmc on host ${host}` }
  const mine = procIdentity('self')
  const theirs = labels[OWNER_PROC_LABEL]
  if (theirs && mine && theirs.split(':')[0] !== mine.split(':')[0])
    return { gone: false, why: `owned by a cmc in another pid namespace (${theirs.split(':')[0]})` }
  if (!processAlive(pid)) return { gone: true, why: `its cmc (pid ${pid}) is gone` }
  // the pid is taken: by the same process, or by another one since
  const now = procIdentity(pid)
  if (theirs && now && theirs !== now) return { gone: true, why: `its cmc (pid ${pid}) is gone; the pid is another process's now` }
  return { gone: false, why: `its cmc (pid ${pid}) is still running` }
}

const status = (e: unknown) => (e as { statusCode?: number }).statusCode

export async function sweepLeftovers(opts: { dryRun?: boolean } = {}): Promise<Leftover[]> {
  const docker = getDocker()
  const out: Leftover[] = []
  try {
    const containers = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${MANAGED_LABEL}=1`] }) })
    for (const c of containers) {
      const { gone, why } = ownerGone(c.Labels, c.State)
      // made from a cmc image by someone else: not cmc's to list
      if (!gone && !c.Labels[OWNER_LABEL] && !c.Labels['cmc.run']) continue
      const item: Leftover = {
        kind: 'container',
        id: c.Id.slice(0, 12),
        what: `${c.Labels['cmc.benchmark'] ?? '?'} ${c.Labels['cmc.run'] ?? ''}`.trim(),
        state: c.State,
        action: 'kept',
        why,
      }
      if (gone) {
        if (opts.dryRun) item.action = 'would remove'
        else {
          try {
            await docker.getContainer(c.Id).remove({ force: true, v: true })
            item.action = 'removed'
          } catch (e) {
            // another gc got there first
            if (status(e) === 404 || /already in progress/.test(engineMessage(e))) item.action = 'removed'
            else {
              item.action = 'failed'
              item.why = `${why}; ${engineMessage(e)}`
            }
          }
        }
      }
      out.push(item)
    }
    // volumes no container uses: those of the containers removed above went with them (v=true)
    const { Volumes } = await docker.listVolumes({ filters: JSON.stringify({ label: [`${MANAGED_LABEL}=1`], dangling: ['true'] }) })
    for (const v of Volumes ?? []) {
      const item: Leftover = {
        kind: 'volume',
        id: /^[0-9a-f]{64}$/.test(v.Name) ? v.Name.slice(0, 12) : v.Name,
        what: `${v.Labels?.['cmc.benchmark'] ?? '?'} ${v.Labels?.['cmc.run'] ?? ''}`.trim(),
        state: 'unused',
        action: opts.dryRun ? 'would remove' : 'removed',
        why: 'no container uses it',
      }
      if (!opts.dryRun) {
        try {
          await docker.getVolume(v.Name).remove()
        } catch (e) {
          if (status(e) === 404)
            item.action = 'removed' // another gc got there first
          else if (status(e) === 409) {
            item.action = 'kept'
            item.why = 'a container took it since it was listed'
          } else {
            item.action = 'failed'
            item.why = engineMessage(e)
          }
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

/** A build's content tag (`cmc/ALIAS:PLATFORM-HASH`, src/pipeline/buildImage.ts) and the tag it stands behind (`cmc/ALIAS:PLATFORM`). */
const CONTENT_TAG = /^cmc\/([a-z0-9][a-z0-9._-]*):([A-Za-z0-9_.]+)-([0-9a-f]{12})$/

/**
 * `cmc gc --images`: the content tags of builds a later build of the same
 * image and platform superseded (its `cmc/ALIAS:PLATFORM` tag points
 * elsewhere), untagged, so that the engine deletes an image no other tag or
 * container holds. Images a record of the store ran are kept (`cmc exp
 * reproduce` runs them by id), and so is anything the engine says is in use.
 */
export async function pruneSupersededImages(opts: { dryRun?: boolean; recorded: Set<string>; aliases?: string[] }): Promise<Leftover[]> {
  const docker = getDocker()
  const out: Leftover[] = []
  try {
    const images = await docker.listImages({ filters: JSON.stringify({ reference: ['cmc/*'] }) })
    const current = new Map<string, string>()
    for (const i of images) for (const t of i.RepoTags ?? []) if (!CONTENT_TAG.test(t)) current.set(t, i.Id)
    for (const i of images) {
      for (const tag of i.RepoTags ?? []) {
        const m = CONTENT_TAG.exec(tag)
        if (!m || (opts.aliases?.length && !opts.aliases.includes(m[1]))) continue
        const latest = current.get(`cmc/${m[1]}:${m[2]}`)
        // the current build, or one whose latest tag is gone: nothing says it was superseded
        if (!latest || latest === i.Id) continue
        const item: Leftover = { kind: 'image', id: i.Id.replace(/^sha256:/, '').slice(0, 12), what: tag, state: 'superseded', action: 'kept', why: '' }
        if (opts.recorded.has(i.Id)) item.why = 'a record ran it (cmc exp reproduce runs it by id)'
        else if (opts.dryRun) [item.action, item.why] = ['would remove', `cmc/${m[1]}:${m[2]} is a later build`]
        else {
          item.why = `cmc/${m[1]}:${m[2]} is a later build`
          try {
            // the tag; the engine deletes the image with its last tag, and refuses while a container holds it
            await docker.getImage(tag).remove()
            item.action = 'removed'
          } catch (e) {
            if (status(e) === 404) item.action = 'removed'
            else if (status(e) === 409) item.why = `in use: ${engineMessage(e)}`
            else [item.action, item.why] = ['failed', engineMessage(e)]
          }
        }
        out.push(item)
      }
    }
  } catch (e) {
    if (isConnectionError(e)) throw noDaemonError(e)
    throw e
  }
  return out
}
