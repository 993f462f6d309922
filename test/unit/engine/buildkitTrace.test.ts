// BuildKit's trace as the hand-written decoder reads it, against protobufjs (the
// general decoder, loaded here only) reading the same bytes with the schema
// dockerode ships for them.
import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeStatusResponse } from '../../../src/engine/buildkitTrace.js'

const require = createRequire(import.meta.url)
const dockerode = path.dirname(require.resolve('dockerode/package.json'))
const protobuf = createRequire(path.join(dockerode, 'package.json'))('protobufjs') as typeof import('protobufjs')
const StatusResponse = protobuf.loadSync(path.join(dockerode, 'lib/proto/buildkit_status.proto')).lookupType('moby.buildkit.v1.StatusResponse')

const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 })
const encode = (message: object) => Buffer.from(StatusResponse.encode(StatusResponse.fromObject(message)).finish())

// what protobufjs makes of the bytes, in the decoder's shape
function expected(bytes: Buffer) {
  /* eslint-disable @typescript-eslint/no-explicit-any -- protobufjs's plain objects, read field by field */
  const m = StatusResponse.toObject(StatusResponse.decode(bytes), { longs: Number, defaults: false }) as {
    vertexes?: Array<Record<string, any>>
    logs?: Array<Record<string, any>>
  }
  /* eslint-enable @typescript-eslint/no-explicit-any -- only the shape above */
  const time = (t?: { seconds?: number; nanos?: number }) => (t ? (t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : undefined)
  return {
    vertexes: (m.vertexes ?? []).map((v) => ({
      digest: v.digest ?? '',
      name: v.name ?? '',
      cached: v.cached ?? false,
      ...(v.started ? { started: time(v.started) } : {}),
      ...(v.completed ? { completed: time(v.completed) } : {}),
      ...(v.error ? { error: v.error } : {}),
    })),
    logs: (m.logs ?? []).map((l) => ({ vertex: l.vertex ?? '', stream: l.stream ?? 1, msg: l.msg ? Buffer.from(l.msg).toString('utf8') : '' })),
  }
}

const t0 = Date.UTC(2026, 10, 20, 12, 0, 0, 125)
const trace = {
  vertexes: [
    {
      digest: 'sha256:aaa',
      inputs: ['sha256:000', 'sha256:001'],
      name: '[build 2/5] RUN make -j',
      started: at(t0),
      progressGroup: { id: 'g', name: 'group', weak: true },
    },
    {
      digest: 'sha256:aaa',
      name: '[build 2/5] RUN make -j',
      started: at(t0),
      completed: at(t0 + 61_500),
      error: 'process "/bin/sh -c make -j" did not complete successfully: exit code: 2',
    },
    { digest: 'sha256:bbb', name: '[internal] load metadata for docker.io/library/debian:bookworm', cached: true },
    { digest: 'sha256:ccc' },
  ],
  statuses: [{ ID: 'layer', vertex: 'sha256:aaa', name: 'extracting', current: 5_000_000_000, total: 9_000_000_000, timestamp: at(t0) }],
  logs: [
    { vertex: 'sha256:aaa', timestamp: at(t0 + 10), stream: 2, msg: Buffer.from('cc: error: ünïcode ✓\nmake: *** [all] Error 1\n') },
    { vertex: 'sha256:aaa', msg: Buffer.from('stdout line\n') },
    { vertex: 'sha256:ccc', stream: 1 },
  ],
  warnings: [{ vertex: 'sha256:aaa', level: 1, short: Buffer.from('deprecated'), detail: [Buffer.from('x')], url: 'https://example.invalid' }],
}

describe('decodeStatusResponse', () => {
  it('reads steps and their logs as protobufjs does, skipping the messages and fields cmc does not show', () => {
    const bytes = encode(trace)
    const decoded = decodeStatusResponse(bytes.toString('base64'))
    expect(decoded).toEqual(expected(bytes))
    expect(decoded.vertexes.map((v) => [v.digest, v.cached, v.started, v.completed && v.completed - v.started!])).toEqual([
      ['sha256:aaa', false, t0, undefined],
      ['sha256:aaa', false, t0, 61_500],
      ['sha256:bbb', true, undefined, undefined],
      ['sha256:ccc', false, undefined, undefined],
    ])
    expect(decoded.vertexes[1]!.error).toMatch(/exit code: 2$/)
    expect(decoded.logs).toEqual([
      { vertex: 'sha256:aaa', stream: 2, msg: 'cc: error: ünïcode ✓\nmake: *** [all] Error 1\n' },
      { vertex: 'sha256:aaa', stream: 1, msg: 'stdout line\n' },
      { vertex: 'sha256:ccc', stream: 1, msg: '' },
    ])
  })

  it('reads an empty message as no steps, and times past 2038', () => {
    expect(decodeStatusResponse('')).toEqual({ vertexes: [], logs: [] })
    for (const ms of [Date.UTC(2107, 0, 1), Date.UTC(2038, 0, 19, 3, 14, 8, 999)]) {
      const bytes = encode({ vertexes: [{ digest: 'd', started: { seconds: Math.floor(ms / 1000), nanos: 0 } }] })
      expect(decodeStatusResponse(bytes.toString('base64')).vertexes[0]!.started, String(ms)).toBe(expected(bytes).vertexes[0]!.started)
    }
  })

  it('skips fields of every wire type it does not know, and refuses groups and truncated varints', () => {
    const known = encode({ vertexes: [{ digest: 'sha256:aaa', name: 'step' }] })
    // field 9, 64-bit; field 10, 32-bit; field 11, varint; field 12, length-delimited
    const unknown = Buffer.from([(9 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8, (10 << 3) | 5, 1, 2, 3, 4, (11 << 3) | 0, 0x96, 0x01, (12 << 3) | 2, 2, 0x61, 0x62])
    // a known field number with an unexpected wire type (vertexes as a varint) is skipped too
    const mistyped = Buffer.from([(1 << 3) | 0, 0x05])
    const bytes = Buffer.concat([unknown, known, mistyped, unknown])
    expect(decodeStatusResponse(bytes.toString('base64'))).toEqual({ vertexes: [{ digest: 'sha256:aaa', name: 'step', cached: false }], logs: [] })
    expect(expected(Buffer.concat([unknown, known, unknown]))).toEqual(decodeStatusResponse(bytes.toString('base64')))
    expect(() => decodeStatusResponse(Buffer.from([(9 << 3) | 3]).toString('base64'))).toThrow('unsupported wire type 3')
    expect(() => decodeStatusResponse(Buffer.from([(1 << 3) | 2, 0x80]).toString('base64'))).toThrow('truncated varint')
  })
})
