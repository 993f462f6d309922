// The CSV `cmc exp export` writes: one row per record, and the columns only
// some records fill (limits, emulation, a published result's round, system,
// scenario, ...) present exactly when a row has them, so a sheet of MLPerf
// results says what each row is.
import { describe, expect, it } from 'vitest'
import { toCsv } from '../../../src/store/exportImport.js'
import { summaryOf, type RecordSummary } from '../../../src/store/summary.js'
import { recordOf } from '../../helpers/records.js'

const run: RecordSummary = { ...summaryOf(recordOf({ triad_gbs: [41.5] }, { params: { threads: 2 }, tags: ['a', 'b'] })), benchmark: 'stream', image: 'c-omp' }

const published: RecordSummary = {
  ...run,
  id: `${run.id}-3`,
  benchmark: 'resnet50',
  platform: 'published',
  host: 'mlperf:MyOrg/sys1',
  params: {},
  metrics: { samples_per_second: 41234.5 },
  tags: [],
  source: 'mlperf',
  round: 'v4.1',
  submitter: 'MyOrg',
  division: 'closed',
  availability: 'available',
  system: 'sys1, 8 GPUs',
  accelerator: 'NVIDIA H100-SXM-80GB',
  accelerators: 8,
  scenario: 'Offline',
  mode: 'PerformanceOnly',
  headline: 'samples_per_second',
}

const table = (csv: string) => csv.trim().split('\n')

describe('CSV export', () => {
  it('runs alone keep the plain columns', () => {
    expect(table(toCsv([run]))).toEqual([
      'id,createdAt,benchmark,image,platform,status,host,digest,tags,params.threads,metrics.triad_gbs',
      `${run.id},${run.createdAt},stream,c-omp,x86_64,ok,lab-1,sha256:img1,a;b,2,41.5`,
    ])
  })

  it('published results bring their round, submitter, system, scenario and headline, empty for runs', () => {
    const [head, a, b] = table(toCsv([run, { ...run, id: `${run.id}-2`, emulated: true, limits: 'cpus=2' }, published]))
    expect(head).toBe(
      'id,createdAt,benchmark,image,platform,status,host,digest,tags,limits,emulated,source,round,submitter,division,availability,system,accelerator,accelerators,scenario,mode,headline,params.threads,metrics.samples_per_second,metrics.triad_gbs',
    )
    expect(a).toBe(`${run.id},${run.createdAt},stream,c-omp,x86_64,ok,lab-1,sha256:img1,a;b,none,,,,,,,,,,,,,2,,41.5`)
    expect(b).toMatch(/,cpus=2,true,/)
    const row = toCsv([published]).trim().split('\n')[1]
    expect(row).toContain(',mlperf,v4.1,MyOrg,closed,available,"sys1, 8 GPUs",NVIDIA H100-SXM-80GB,8,Offline,PerformanceOnly,samples_per_second,')
  })
})
