// The hub's records in PostgreSQL: pushing a batch (one transaction; a record
// the hub has is a no-op, another record under its id is refused), and the
// reads the hub's store answers from (query rows, full records, files).
import type { QueryNode } from '../store/query/parseQuery.js'
import type { ExperimentRecord } from '../store/record.js'
import { summaryOf, type RecordSummary } from '../store/summary.js'
import type { Db } from './db.js'
import type { CheckedFile } from './recordCheck.js'
import { recordHash } from './recordCheck.js'
import { Binder, orderSql, usesFacts, whereSql } from './sqlQuery.js'

/** A run's facts from its summary text: the fields no column of runs holds (as migration 3 fills them). */
const RUN_FACTS = `nullif(summary::jsonb - array['id', 'createdAt', 'benchmark', 'image', 'digest', 'platform', 'status', 'host', 'limits', 'params', 'metrics', 'tags'], '{}')`

export interface PushOutcome {
  added: string[]
  existing: string[]
  conflicts: Array<{ id: string; message: string }>
}

export interface CheckedItem {
  record: ExperimentRecord
  files: CheckedFile[]
}

/** Publish a batch: new records with their files and field names, in one transaction. */
export async function pushRecords(db: Db, project: string, user: string, items: CheckedItem[]): Promise<PushOutcome> {
  const rows = items.map(({ record }) => ({ record, summary: summaryOf(record), hash: recordHash(record) }))
  return db.tx(async (c) => {
    await c.query('insert into projects (name) values ($1) on conflict do nothing', [project])
    const col = <T>(f: (r: (typeof rows)[number]) => T) => rows.map(f)
    // records and their narrow rows (runs, schema.ts) in one statement: a record is never held without its row
    const inserted = await c.query<{ id: string }>(
      `with t as (
         select * from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[])
           as t(id, hash, created_at, benchmark, image, digest, platform, status, host, limits, params, metrics, tags, summary, record)
       ), added as (
         insert into records (project, id, hash, created_at, benchmark, image, digest, platform, status, host, limits, params, metrics, tags, summary, record, pushed_by)
         select $1, id, hash, created_at, benchmark, image, digest, platform, status, host, limits, params::jsonb, metrics::jsonb,
                array(select jsonb_array_elements_text(tags::jsonb)), summary, record, $2
         from t
         on conflict (project, id) do nothing
         returning seq, id, created_at, benchmark, image, digest, platform, status, host, limits, params, metrics, tags, summary
       )
       insert into runs (seq, project, id, created_at, benchmark, image, digest, platform, status, host, limits, params, metrics, tags, facts, pushed_by)
       select seq, $1, id, created_at, benchmark, image, digest, platform, status, host, limits, params, metrics, tags, ${RUN_FACTS}, $2
       from added
       returning id`,
      [
        project,
        user,
        col((r) => r.record.id),
        col((r) => r.hash),
        col((r) => r.summary.createdAt),
        col((r) => r.summary.benchmark),
        col((r) => r.summary.image),
        col((r) => r.summary.digest),
        col((r) => r.summary.platform),
        col((r) => r.summary.status),
        col((r) => r.summary.host),
        col((r) => r.summary.limits ?? 'none'),
        col((r) => JSON.stringify(r.summary.params)),
        col((r) => JSON.stringify(r.summary.metrics)),
        col((r) => JSON.stringify(r.summary.tags)),
        col((r) => JSON.stringify(r.summary)),
        col((r) => JSON.stringify(r.record)),
      ],
    )
    const added = new Set(inserted.rows.map((r) => r.id))
    const others = rows.filter((r) => !added.has(r.record.id))
    const held = new Map<string, string>()
    if (others.length) {
      const found = await c.query<{ id: string; hash: string }>('select id, hash from records where project = $1 and id = any($2::text[])', [
        project,
        others.map((r) => r.record.id),
      ])
      for (const r of found.rows) held.set(r.id, r.hash)
    }
    const files = items.filter(({ record }) => added.has(record.id)).flatMap(({ record, files }) => files.map((f) => ({ id: record.id, ...f })))
    if (files.length) {
      await c.query(
        `insert into files (project, record_id, name, sha256, size, content)
         select $1, id, name, sha256, length(content), content from unnest($2::text[], $3::text[], $4::text[], $5::bytea[]) as t(id, name, sha256, content)`,
        [project, files.map((f) => f.id), files.map((f) => f.name), files.map((f) => f.sha256), files.map((f) => f.content)],
      )
    }
    const names = new Set<string>()
    for (const r of rows)
      if (added.has(r.record.id))
        for (const kind of ['metrics', 'params'] as const) for (const n of Object.keys(r.summary[kind])) names.add(`${kind}\u0000${n}`)
    if (names.size) {
      const split = [...names].map((n) => n.split('\u0000'))
      await c.query(`insert into fields (project, kind, name) select $1, k, n from unnest($2::text[], $3::text[]) as t(k, n) on conflict do nothing`, [
        project,
        split.map((s) => s[0]),
        split.map((s) => s[1]),
      ])
    }
    const outcome: PushOutcome = { added: [...added], existing: [], conflicts: [] }
    for (const r of others) {
      if (held.get(r.record.id) === r.hash) outcome.existing.push(r.record.id)
      else outcome.conflicts.push({ id: r.record.id, message: `the hub holds another record under id ${r.record.id}; records are immutable` })
    }
    return outcome
  })
}

/** Which of these ids the project holds, with their content hashes. */
export async function heldHashes(db: Db, project: string, ids: string[]): Promise<Record<string, string>> {
  const rows = await db.query<{ id: string; hash: string }>('select id, hash from records where project = $1 and id = any($2::text[])', [project, ids])
  return Object.fromEntries(rows.map((r) => [r.id, r.hash]))
}

/** The statement querySummaryRows runs (bench/hub.mjs runs it with psql): the project is $1. */
export function summaryRowsSql(tree: QueryNode | undefined, b: Binder, opts: { sort?: string; limit?: number } = {}): string {
  const where = whereSql(tree, b)
  // a sort SQL cannot give: every match in push order, for querySummaries to sort and cut
  const order = orderSql(opts.sort, b)
  const limit = order && opts.limit !== undefined ? ` limit ${b.bind(opts.limit)}` : ''
  const tail = `order by ${order ?? 'seq'}${limit}`
  // a query of a run's facts is matched and ordered over runs, whose columns have the records' names;
  // only the rows it keeps read their summary (a subquery, so the query's names stay those of runs)
  return usesFacts(tree)
    ? `select (select summary from records r where r.seq = runs.seq) as summary from runs where project = $1 and ${where} ${tail}`
    : `select summary from records where project = $1 and ${where} ${tail}`
}

/** The index summaries a query matches, in push order or by `sort`, at most `limit`. */
export async function querySummaryRows(
  db: Db,
  project: string,
  tree: QueryNode | undefined,
  opts: { sort?: string; limit?: number } = {},
): Promise<RecordSummary[]> {
  const b = new Binder([project])
  const rows = await db.query<{ summary: string }>(summaryRowsSql(tree, b, opts), b.values)
  return rows.map((r) => JSON.parse(r.summary) as RecordSummary)
}

/**
 * Runs as columns, one entry a run in push order: the summary's fields a
 * compare reads (not its time, image alias or tags), and its others as `facts`.
 */
export interface RunColumns {
  id: string[]
  benchmark: string[]
  digest: string[]
  platform: string[]
  status: string[]
  host: string[]
  limits: string[]
  params: Array<RecordSummary['params']>
  metrics: Array<RecordSummary['metrics']>
  facts: Array<Partial<RecordSummary> | null>
}

const RUN_COLUMNS = ['id', 'benchmark', 'digest', 'platform', 'status', 'host', 'limits', 'params', 'metrics', 'facts'] as const

/** The statement queryRunColumns runs (bench/hub.mjs runs it with psql): the project is $1. */
export function runColumnsSql(tree: QueryNode | undefined, b: Binder): string {
  // every column aggregated in one pass over the matching rows, so they line up; in no promised
  // order (seq comes along, and queryRunColumns puts the runs in push order where the scan did
  // not): an ORDER BY would sort the wide rows where a scan of the heap gives push order already,
  // or a rotation of it (PostgreSQL starts a scan of a large table where another one is)
  const columns = ['seq', ...RUN_COLUMNS].map((c) => `'${c}', coalesce(json_agg(${c}), '[]')`).join(', ')
  return `select json_build_object(${columns}) as columns from runs where project = $1 and ${whereSql(tree, b)}`
}

/**
 * What a compare reads of each run a query matches, in push order, from the
 * narrow rows of runs rather than the summaries' text, as one JSON object of
 * columns: one value for the driver to parse, and arrays that parse faster
 * than as many rows. Only the order of keys in params and metrics may differ
 * from the summary's (jsonb's), which no compare depends on.
 */
export async function queryRunColumns(db: Db, project: string, tree: QueryNode | undefined): Promise<RunColumns> {
  const b = new Binder([project])
  const [row] = await db.tx(async (c) => {
    // the two sides of a compare already run at once, one a connection: parallel workers on top
    // of them contend for the same cores rather than shorten the compare
    await c.query('set local max_parallel_workers_per_gather = 0')
    return (await c.query<{ columns: RunColumns & { seq: number[] } }>(runColumnsSql(tree, b), b.values)).rows
  })
  const { seq, ...out } = row!.columns
  if (seq.every((s, k) => k === 0 || seq[k - 1]! < s)) return out
  const order = seq.map((_, k) => k).sort((x, y) => seq[x]! - seq[y]!)
  return Object.fromEntries(RUN_COLUMNS.map((c) => [c, order.map((k) => out[c][k])])) as unknown as RunColumns
}

/** Ids starting with a prefix (at most `limit`). */
export async function idsWithPrefix(db: Db, project: string, prefix: string, limit = 1000): Promise<string[]> {
  const rows = await db.query<{ id: string }>(`select id from records where project = $1 and starts_with(id, $2) order by seq limit $3`, [
    project,
    prefix,
    limit,
  ])
  return rows.map((r) => r.id)
}

export interface HeldRecord {
  record: ExperimentRecord
  pushedBy: string
  pushedAt: string
  hash: string
}

/** Full records by id (those the project holds). */
export async function recordsById(db: Db, project: string, ids: string[]): Promise<Map<string, HeldRecord>> {
  if (!ids.length) return new Map()
  const rows = await db.query<{ id: string; record: string; pushed_by: string; pushed_at: Date; hash: string }>(
    'select id, record, pushed_by, pushed_at, hash from records where project = $1 and id = any($2::text[])',
    [project, ids],
  )
  return new Map(
    rows.map((r) => [r.id, { record: JSON.parse(r.record) as ExperimentRecord, pushedBy: r.pushed_by, pushedAt: r.pushed_at.toISOString(), hash: r.hash }]),
  )
}

/** The metric and param names the project's records have. */
export async function fieldNames(db: Db, project: string): Promise<{ metrics: string[]; params: string[] }> {
  const rows = await db.query<{ kind: 'metrics' | 'params'; name: string }>('select kind, name from fields where project = $1 order by name', [project])
  return { metrics: rows.filter((r) => r.kind === 'metrics').map((r) => r.name), params: rows.filter((r) => r.kind === 'params').map((r) => r.name) }
}

export async function recordFile(db: Db, project: string, id: string, name: string): Promise<{ content: Buffer; sha256: string } | undefined> {
  const [row] = await db.query<{ content: Buffer; sha256: string }>('select content, sha256 from files where project = $1 and record_id = $2 and name = $3', [
    project,
    id,
    name,
  ])
  return row
}

export async function projectInfo(db: Db, name: string): Promise<{ name: string; public: boolean } | undefined> {
  const [row] = await db.query<{ name: string; public: boolean }>('select name, public from projects where name = $1', [name])
  return row
}

export async function setProjectPublic(db: Db, name: string, isPublic: boolean): Promise<void> {
  await db.query('insert into projects (name, public) values ($1, $2) on conflict (name) do update set public = excluded.public', [name, isPublic])
}
