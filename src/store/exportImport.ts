// Sharing records between stores: a .tar.gz bundle of record folders (logs
// and outputs included), JSON Lines of full records, or CSV of summaries.
// Import dedupes by record id and re-indexes what it adds.
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { CmcError } from '../errors.js'
import { writeOutputFile } from '../files.js'
import type { ExperimentRecord } from './record.js'
import { SOURCE_ATTRS } from './indexTable.js'
import { validateRecord, type Store } from './store.js'
import { summaryOf, type RecordSummary } from './summary.js'

export type ExportFormat = 'tar.gz' | 'jsonl' | 'csv'

export function formatOf(file: string, explicit?: string): ExportFormat {
  const f = explicit ?? (/\.(tar\.gz|tgz)$/.test(file) ? 'tar.gz' : /\.jsonl$/.test(file) ? 'jsonl' : /\.csv$/.test(file) ? 'csv' : undefined)
  if (f !== 'tar.gz' && f !== 'jsonl' && f !== 'csv') {
    throw new CmcError('EXPORT_FORMAT', `cannot tell the format of ${file}`, { hint: 'name it .tar.gz, .jsonl or .csv, or pass --format' })
  }
  return f
}

const csvCell = (v: unknown) => {
  const s = v === undefined || v === null ? '' : String(v)
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** The columns every CSV of cmc's starts with: how an import knows one. */
const CSV_FIRST_COLUMNS = ['id', 'createdAt']

/**
 * One row per record: its attributes, tags joined by `;`, then the columns
 * only some records fill (limits, emulated, where a published result comes
 * from and the LoadGen scenario) when one of the rows has them, then params
 * and metric medians.
 */
export function toCsv(rows: RecordSummary[]): string {
  const params = [...new Set(rows.flatMap((r) => Object.keys(r.params)))].sort()
  const metrics = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))].sort()
  const optional = (['limits', 'emulated', ...SOURCE_ATTRS] as const).filter((k) => rows.some((r) => r[k] !== undefined && r[k] !== 'none'))
  const head = [
    ...CSV_FIRST_COLUMNS,
    'benchmark',
    'image',
    'platform',
    'status',
    'host',
    'digest',
    'tags',
    ...optional,
    ...params.map((p) => `params.${p}`),
    ...metrics.map((m) => `metrics.${m}`),
  ]
  const lines = rows.map((r) =>
    [
      r.id,
      r.createdAt,
      r.benchmark,
      r.image,
      r.platform,
      r.status,
      r.host,
      r.digest,
      r.tags.join(';'),
      ...optional.map((k) => r[k]),
      ...params.map((p) => r.params[p]),
      ...metrics.map((m) => r.metrics[m]),
    ]
      .map(csvCell)
      .join(','),
  )
  return [head.join(','), ...lines].join('\n') + '\n'
}

export async function exportRecords(store: Store, ids: string[], file: string, format: ExportFormat): Promise<number> {
  if (format === 'csv') {
    writeOutputFile(file, toCsv(ids.map((id) => summaryOf(store.get(id)))))
  } else if (format === 'jsonl') {
    writeOutputFile(file, ids.map((id) => JSON.stringify(store.get(id))).join('\n') + (ids.length ? '\n' : ''))
  } else {
    writeOutputFile(file)
    const rel = ids.map((id) => path.relative(store.recordsDir, store.recordDir(id)))
    const list = path.join(mkdtempSync(path.join(os.tmpdir(), 'cmc-export-')), 'files')
    writeFileSync(list, rel.join('\n') + '\n')
    await execa('tar', ['-czf', path.resolve(file), '-C', store.recordsDir, '--owner=0', '--group=0', '-T', list])
    rmSync(path.dirname(list), { recursive: true, force: true })
  }
  return ids.length
}

/**
 * Records from a bundle or JSON Lines, each added once. A record already here
 * without the files a bundle brings for it (one moved before as JSON Lines,
 * which carries none) gets them: a record never changes, so its files are the
 * same wherever they come from. A bundle's folder whose record.json is not a
 * valid record is left out and named in `invalid` (its path in the bundle).
 */
export async function importRecords(store: Store, file: string): Promise<{ added: number; filled: number; skipped: number; invalid: string[] }> {
  if (!existsSync(file)) throw new CmcError('IMPORT_MISSING', `${file} does not exist`, { hint: 'give the path of a file `cmc exp export` wrote' })
  const have = new Set(store.summaries().map((s) => s.id))
  let added = 0,
    filled = 0,
    skipped = 0
  const invalid: string[] = []
  const adopt = (r: ExperimentRecord, folder?: string) => {
    if (have.has(r.id) || existsSync(store.recordDir(r.id))) {
      if (folder && fillIn(store.recordDir(r.id), folder)) filled++
      else skipped++
      return
    }
    const dest = store.recordDir(r.id)
    mkdirSync(path.dirname(dest), { recursive: true })
    if (folder) renameSync(folder, dest)
    else {
      mkdirSync(dest)
      writeFileSync(path.join(dest, 'record.json'), JSON.stringify(r, null, 2) + '\n')
    }
    store.appendIndexLine(JSON.stringify(summaryOf(r)))
    have.add(r.id)
    added++
  }
  const format = importFormatOf(file)
  if (format === 'jsonl') {
    for (const [i, line] of readFileSync(file, 'utf8').split('\n').entries()) {
      if (!line.trim()) continue
      let r: unknown
      try {
        r = JSON.parse(line)
      } catch {
        throw new CmcError('IMPORT_CORRUPT', `line ${i + 1} is not JSON`, { where: { file, line: i + 1 } })
      }
      if (!validateRecord(r)) throw new CmcError('IMPORT_CORRUPT', `line ${i + 1} is not a cmc record`, { where: { file, line: i + 1 } })
      adopt(r)
    }
  } else if (format === 'tar.gz') {
    const tmp = mkdtempSync(path.join(store.root, '.import-'))
    try {
      await unpack(file, tmp)
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((n) => {
          const p = path.join(dir, n)
          if (!statSync(p).isDirectory()) return []
          return existsSync(path.join(p, 'record.json')) ? [p] : walk(p)
        })
      for (const folder of walk(tmp)) {
        const r = readJson(path.join(folder, 'record.json'))
        if (validateRecord(r)) adopt(r, folder)
        else invalid.push(path.relative(tmp, folder))
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  }
  return { added, filled, skipped, invalid }
}

/** Move into a present record's folder what the bundle's copy has and it lacks (outputs/, kept.tar, logs); whether anything came. */
function fillIn(dest: string, folder: string): boolean {
  if (!existsSync(dest)) return false
  const lacking = readdirSync(folder).filter((n) => n !== 'record.json' && !existsSync(path.join(dest, n)))
  for (const n of lacking) renameSync(path.join(folder, n), path.join(dest, n))
  return lacking.length > 0
}

/** The first bytes of a file, as text. */
function fileStart(file: string, bytes: number): string {
  const fd = openSync(file, 'r')
  try {
    const buf = Buffer.alloc(bytes)
    return buf.toString('utf8', 0, readSync(fd, buf, 0, bytes, 0))
  } finally {
    closeSync(fd)
  }
}

/**
 * What importRecords reads: a bundle or JSON Lines. A folder, a CSV or a .zip
 * is refused with what would import it: the MLPerf import takes folders,
 * archives and round summaries, and a CSV of cmc's own holds summaries only.
 */
function importFormatOf(file: string): 'tar.gz' | 'jsonl' {
  if (/\.(tar\.gz|tgz)$/.test(file)) return 'tar.gz'
  if (/\.jsonl$/.test(file)) return 'jsonl'
  const mlperf = `to import published MLPerf results, add --mlperf (\`cmc exp import --mlperf ${file}\`)`
  if (statSync(file).isDirectory())
    throw new CmcError('IMPORT_FORMAT', `${file} is a folder, not a bundle or JSON Lines`, {
      hint: `${mlperf}; to import records, give a .tar.gz or .jsonl that \`cmc exp export\` wrote`,
    })
  if (/\.csv$/i.test(file)) {
    // the CSV `cmc exp export` writes starts with its id column: --mlperf would read none of its rows
    const ours = fileStart(file, 32).startsWith(`${CSV_FIRST_COLUMNS.join(',')},`)
    throw new CmcError('IMPORT_FORMAT', `${file}: a CSV holds summaries only and cannot be imported as records`, {
      hint: ours
        ? 'it is a CSV `cmc exp export` wrote, which keeps no records: export them again as .tar.gz or .jsonl and import that'
        : `${mlperf}; to move records, export them as .tar.gz or .jsonl`,
    })
  }
  throw new CmcError('IMPORT_FORMAT', `${file} is not a .tar.gz bundle or a .jsonl file`, {
    hint: `name it .tar.gz or .jsonl if \`cmc exp export\` wrote it; ${mlperf}`,
  })
}

/** Unpacks a .tar.gz bundle into dir; an archive tar cannot read is a damaged file, with tar's words as details. */
async function unpack(file: string, dir: string): Promise<void> {
  try {
    await execa('tar', ['-xzf', path.resolve(file), '-C', dir, '--no-same-owner'])
  } catch (err) {
    const said = String((err as { stderr?: unknown }).stderr || (err as Error).message)
    throw new CmcError('IMPORT_CORRUPT', `${file} cannot be unpacked: it is damaged or cut short, and nothing was imported`, {
      details: said.split('\n').filter((l) => l.trim()),
      hint: 'copy the file again, or export it again with `cmc exp export`',
      cause: err,
    })
  }
}

/** A record.json that is not JSON is not a record: undefined, skipped as records that fail validation are. */
function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown
  } catch {
    return undefined
  }
}
