// `cmc exp push` and `cmc exp pull`: records between the local store and a
// hub's project. A push asks the hub which of the selected ids it holds (with
// their content hashes, compared with the ones kept beside the store, so that
// a re-push reads hashes, not records: keptHashes.ts) and sends only the
// others, in batches (a count and a byte budget), each one transaction on the
// hub, so an interrupted push has lost nothing and the same command resumes
// where it stopped; a batch retried after the hub went away mid-answer is a
// no-op for what it had kept. A pull fetches the records the
// local store lacks and publishes each as a run does (staged, then renamed),
// its logs and outputs checked against their sha256 and names.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { readRecordFile, recordFileSize } from '../store/keptFiles.js'
import type { ExperimentRecord } from '../store/record.js'
import { querySummaries } from '../store/select.js'
import type { Store } from '../store/store.js'
import { requireToken, type HubClient } from './client.js'
import type { PushOutcome } from './hubRecords.js'
import { KeptHashes, type FileKey } from './keptHashes.js'
import { declaredFiles, unsafeName, type PushedFile, type PushedItem } from './recordCheck.js'

export interface PushResult {
  selected: number
  held: number
  sent: number
  conflicts: Array<{ id: string; message: string }>
  /** files not sent: over the hub's limit, or missing here */
  skippedFiles: string[]
}

export interface TransferOptions {
  where?: string
  /** records a batch carries at most */
  batch?: number
  events?: EventSink
}

interface HubLimits {
  maxBodyBytes: number
  maxFileBytes: number
}

const HAVE_CHUNK = 10_000
/** Batches in flight at once: the hub checks one while PostgreSQL writes another and this side reads the next. */
const IN_FLIGHT = 3

/** The files of a record in the local store that the hub keeps, under the hub's per-file limit. */
function filesOf(store: Store, r: ExperimentRecord, maxFileBytes: number, skipped: string[]): PushedFile[] {
  const out: PushedFile[] = []
  for (const name of declaredFiles(r).keys()) {
    // a published record keeps its files in one tar: read through keptFiles either way
    const size = recordFileSize(store, r, name)
    if (size === undefined) continue // a run that wrote no such log
    if (size > maxFileBytes) {
      skipped.push(`${r.id}/${name} (${size} bytes, over the hub's limit of ${maxFileBytes})`)
      continue
    }
    const content = readRecordFile(store, r, name)
    if (!content) continue
    out.push({ name, sha256: createHash('sha256').update(content).digest('hex'), data: content.toString('base64') })
  }
  return out
}

/** The content hash of a local record, as the hub keys it; undefined (with a warning) for one that cannot be read. */
function localHash(hashes: KeptHashes, id: string, key: FileKey | undefined, events: EventSink | undefined): string | undefined {
  try {
    return hashes.hashOf(id, key)
  } catch (e) {
    events?.({ type: 'log', level: 'warn', message: `skipped ${id}: ${(e as Error).message}` })
    return undefined
  }
}

export async function pushRecords(store: Store, hub: HubClient, opts: TransferOptions = {}): Promise<PushResult> {
  requireToken(hub.settings, 'pushing to', 'push')
  const ids = querySummaries(store, opts.where, { events: opts.events }).map((s) => s.id)
  const hashes = new KeptHashes(store)
  try {
    return await pushSelected(store, hub, ids, hashes, opts)
  } finally {
    hashes.flush()
  }
}

async function pushSelected(store: Store, hub: HubClient, ids: string[], hashes: KeptHashes, opts: TransferOptions): Promise<PushResult> {
  const events = opts.events
  const limits = await hub.call<HubLimits>('GET', 'limits')
  const held = new Set<string>()
  const conflicts: PushResult['conflicts'] = []
  /** each record file's key, taken before the record is read (keptHashes.ts) */
  const keys = new Map<string, FileKey | undefined>()
  for (let i = 0; i < ids.length; i += HAVE_CHUNK) {
    const chunk = ids.slice(i, i + HAVE_CHUNK)
    const { held: h } = await hub.call<{ held: Record<string, string> }>('POST', 'have', { ids: chunk })
    for (const id of chunk) keys.set(id, hashes.keyOf(id))
    for (const [id, hash] of Object.entries(h)) {
      held.add(id)
      // a held id is only "pushed already" when its content is the same: a record edited here is a conflict
      const local = localHash(hashes, id, keys.get(id), events)
      if (local !== undefined && local !== hash) conflicts.push({ id, message: `record ${id} differs from the one the hub holds under its id` })
    }
  }
  const lacking = ids.filter((id) => !held.has(id))
  const result: PushResult = { selected: ids.length, held: held.size - conflicts.length, sent: 0, conflicts, skippedFiles: [] }
  const maxCount = opts.batch ?? 500
  // half the hub's body limit: base64 and JSON around the files stay under it
  const budget = limits.maxBodyBytes / 2
  let batch: PushedItem[] = []
  let bytes = 0
  const inFlight = new Set<Promise<void>>()
  let failed: unknown
  const send = async () => {
    if (!batch.length) return
    const records = batch
    batch = []
    bytes = 0
    const sending: Promise<void> = hub
      .call<PushOutcome>('POST', 'records', { records })
      .then((outcome) => {
        result.sent += outcome.added.length
        result.conflicts.push(...outcome.conflicts)
        events?.({ type: 'progress', task: 'push', current: result.sent + result.conflicts.length, total: lacking.length })
      })
      .catch((e: unknown) => void (failed ??= e))
      .finally(() => inFlight.delete(sending))
    inFlight.add(sending)
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight)
    if (failed) throw failed
  }
  events?.({ type: 'progress', task: 'push', current: 0, total: lacking.length })
  for (const id of lacking) {
    let record: ExperimentRecord
    try {
      record = store.get(id)
    } catch (e) {
      events?.({ type: 'log', level: 'warn', message: `skipped ${id}: ${(e as Error).message}` })
      continue
    }
    const key = keys.get(id)
    // hashed here, not taken from the hub's answer: a kept hash says what this store holds
    if (key !== undefined) hashes.keep(id, key, record)
    const files = filesOf(store, record, limits.maxFileBytes, result.skippedFiles)
    const size = JSON.stringify(record).length + files.reduce((n, f) => n + f.data.length + f.name.length + 100, 0)
    if (batch.length && (batch.length >= maxCount || bytes + size > budget)) await send()
    batch.push({ record, files })
    bytes += size
  }
  await send()
  await Promise.all(inFlight)
  if (failed) throw failed
  for (const f of result.skippedFiles) events?.({ type: 'log', level: 'warn', message: `not sent: ${f}` })
  if (result.conflicts.length)
    throw new CmcError(
      'HUB_RECORD_CONFLICT',
      `${result.conflicts.length} record(s) differ from those the hub holds under their ids; ${result.sent} other(s) pushed, ${result.held} held already`,
      {
        details: [
          ...result.conflicts.slice(0, 10).map((c) => c.id),
          ...(result.conflicts.length > 10 ? [`and ${result.conflicts.length - 10} more (--json lists them all)`] : []),
        ],
        hint: 'records are immutable on a hub, keyed by id and content hash: a changed record needs a new id (re-run it), or leave it out with --where',
        data: { ...result },
      },
    )
  return result
}

export interface PullResult {
  matched: number
  had: number
  added: number
  missingFiles: string[]
}

const FETCH_CHUNK = 200

export async function pullRecords(store: Store, hub: HubClient, opts: TransferOptions = {}): Promise<PullResult> {
  const events = opts.events
  const { rows, warnings } = await hub.call<{ rows: Array<{ id: string }>; warnings: string[] }>(
    'GET',
    `records?${new URLSearchParams(opts.where ? { where: opts.where } : {})}`,
  )
  for (const message of warnings) events?.({ type: 'log', level: 'warn', message })
  const lacking = rows.map((r) => r.id).filter((id) => !existsSync(store.recordDir(id)))
  const result: PullResult = { matched: rows.length, had: rows.length - lacking.length, added: 0, missingFiles: [] }
  events?.({ type: 'progress', task: 'pull', current: 0, total: lacking.length })
  for (let i = 0; i < lacking.length; i += FETCH_CHUNK) {
    const { records } = await hub.call<{ records: ExperimentRecord[] }>('POST', 'fetch', { ids: lacking.slice(i, i + FETCH_CHUNK) })
    for (const record of records) {
      await adopt(store, hub, record, result)
      result.added++
      events?.({ type: 'progress', task: 'pull', current: result.added, total: lacking.length })
    }
  }
  for (const f of result.missingFiles) events?.({ type: 'log', level: 'warn', message: `the hub has no ${f}` })
  return result
}

/** One record from the hub into the store, as a run publishes one: staged with its files, then committed. */
async function adopt(store: Store, hub: HubClient, record: ExperimentRecord, result: PullResult): Promise<void> {
  if (existsSync(store.recordDir(record.id))) return
  const writer = await store.begin(record.id)
  try {
    for (const [name, want] of declaredFiles(record)) {
      // the hub checked these names; a hub is still not trusted with this machine's paths
      if (unsafeName(name)) throw new CmcError('HUB_REQUEST_INVALID', `record ${record.id} names an unsafe file ${JSON.stringify(name)}`)
      const bytes = await hub.file(record.id, name)
      if (!bytes) {
        if (want.sha256) result.missingFiles.push(`${record.id}/${name}`)
        continue
      }
      if (want.sha256 && createHash('sha256').update(bytes).digest('hex') !== want.sha256)
        throw new CmcError('HUB_REQUEST_INVALID', `${record.id}/${name} from the hub does not have the sha256 its record lists`)
      const file = path.join(writer.dir, name)
      mkdirSync(path.dirname(file), { recursive: true })
      writeFileSync(file, bytes)
    }
    await writer.commit(record)
  } catch (e) {
    await writer.discard()
    throw e
  }
}
