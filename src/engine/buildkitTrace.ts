// Decoder for BuildKit progress as the Engine API streams it: JSON messages
// with id "moby.buildkit.trace" whose aux is a base64 protobuf StatusResponse
// (moby/buildkit api/services/control/control.proto). Only the fields cmc
// shows are read: vertexes (steps), logs; a tiny wire-format reader suffices.

export interface TraceVertex {
  digest: string
  name: string
  cached: boolean
  started?: number // ms since epoch
  completed?: number
  error?: string
}

export interface TraceLog {
  vertex: string
  stream: number
  msg: string
}

export interface StatusResponse {
  vertexes: TraceVertex[]
  logs: TraceLog[]
}

class Reader {
  pos = 0
  constructor(readonly buf: Uint8Array, readonly end = buf.length) {}
  varint(): bigint {
    let result = 0n
    let shift = 0n
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint')
      const b = this.buf[this.pos++]
      result |= BigInt(b & 0x7f) << shift
      if (!(b & 0x80)) return result
      shift += 7n
    }
  }
  bytes(): Uint8Array {
    const len = Number(this.varint())
    const out = this.buf.subarray(this.pos, this.pos + len)
    this.pos += len
    return out
  }
  skip(wire: number): void {
    if (wire === 0) this.varint()
    else if (wire === 1) this.pos += 8
    else if (wire === 2) this.bytes()
    else if (wire === 5) this.pos += 4
    else throw new Error(`unsupported wire type ${wire}`)
  }
  *fields(): Generator<[number, number]> {
    while (this.pos < this.end) {
      const key = Number(this.varint())
      yield [key >> 3, key & 7]
    }
  }
}

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8')

function timestamp(b: Uint8Array): number {
  const r = new Reader(b)
  let s = 0n, n = 0n
  for (const [f, w] of r.fields()) {
    if (f === 1 && w === 0) s = r.varint()
    else if (f === 2 && w === 0) n = r.varint()
    else r.skip(w)
  }
  return Number(s) * 1000 + Number(n) / 1e6
}

function vertex(b: Uint8Array): TraceVertex {
  const r = new Reader(b)
  const v: TraceVertex = { digest: '', name: '', cached: false }
  for (const [f, w] of r.fields()) {
    if (f === 1 && w === 2) v.digest = text(r.bytes())
    else if (f === 3 && w === 2) v.name = text(r.bytes())
    else if (f === 4 && w === 0) v.cached = r.varint() !== 0n
    else if (f === 5 && w === 2) v.started = timestamp(r.bytes())
    else if (f === 6 && w === 2) v.completed = timestamp(r.bytes())
    else if (f === 7 && w === 2) v.error = text(r.bytes())
    else r.skip(w)
  }
  return v
}

function log(b: Uint8Array): TraceLog {
  const r = new Reader(b)
  const l: TraceLog = { vertex: '', stream: 1, msg: '' }
  for (const [f, w] of r.fields()) {
    if (f === 1 && w === 2) l.vertex = text(r.bytes())
    else if (f === 3 && w === 0) l.stream = Number(r.varint())
    else if (f === 4 && w === 2) l.msg = text(r.bytes())
    else r.skip(w)
  }
  return l
}

export function decodeStatusResponse(base64: string): StatusResponse {
  const r = new Reader(Buffer.from(base64, 'base64'))
  const out: StatusResponse = { vertexes: [], logs: [] }
  for (const [f, w] of r.fields()) {
    if (f === 1 && w === 2) out.vertexes.push(vertex(r.bytes()))
    else if (f === 3 && w === 2) out.logs.push(log(r.bytes()))
    else r.skip(w)
  }
  return out
}
