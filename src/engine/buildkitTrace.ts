// Decoder for BuildKit progress as the Engine API streams it: JSON messages
// with id "moby.buildkit.trace" whose aux is a base64 protobuf StatusResponse
// (moby/buildkit api/services/control/control.proto). Only the fields cmc
// shows are read: vertexes (steps), logs; a tiny wire-format reader suffices.
//
// Hand-written because every build would otherwise pay for loading the
// general decoder: protobufjs, and a .proto file parsed into a schema at the
// first message (what dockerode's own buildkit helper does), all for a dozen
// fields of four messages. The subset read, by field number (proto3, every field optional):
//
//   StatusResponse  1 vertexes: repeated Vertex    3 logs: repeated VertexLog
//                   (2 statuses, 4 warnings: skipped)
//   Vertex          1 digest: string   3 name: string   4 cached: bool
//                   5 started, 6 completed: Timestamp   7 error: string
//                   (2 inputs, 8 progressGroup: skipped)
//   VertexLog       1 vertex: string (a Vertex digest)   3 stream: int64 (1 stdout, 2 stderr)
//                   4 msg: bytes, read as UTF-8   (2 timestamp: skipped)
//   Timestamp       1 seconds: int64   2 nanos: int32   (as google.protobuf.Timestamp)
//
// Wire types: 0 (varint) and 2 (length-delimited) are read; 1 (64-bit) and 5
// (32-bit) are skipped by length; 3 and 4 (groups, which proto3 never sends)
// throw. A known field number arriving with another wire type is skipped, and
// a repeated field arrives as one record per element (no packed encoding is
// needed: every repeated field read here is a message). A field left out reads
// as its default: "", false, no time, stream 1.

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

/** Reads one message's fields from `buffer`, from `position` to `end`. */
class Reader {
  position = 0
  constructor(
    readonly buffer: Uint8Array,
    readonly end = buffer.length,
  ) {}

  /** A base-128 varint, low groups first; a bigint, as int64 fields need all 64 bits. */
  varint(): bigint {
    let result = 0n
    let shift = 0n
    for (;;) {
      if (this.position >= this.end) throw new Error('truncated varint')
      const byte = this.buffer[this.position++]
      result |= BigInt(byte & 0x7f) << shift
      if (!(byte & 0x80)) return result
      shift += 7n
    }
  }

  /** A length-delimited field's bytes (a string, bytes or an embedded message), not copied. */
  bytes(): Uint8Array {
    const length = Number(this.varint())
    const out = this.buffer.subarray(this.position, this.position + length)
    this.position += length
    return out
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint()
    else if (wireType === 1) this.position += 8
    else if (wireType === 2) this.bytes()
    else if (wireType === 5) this.position += 4
    else throw new Error(`unsupported wire type ${wireType}`)
  }

  /** Each field's [number, wire type] from its key; the caller reads or skips its value. */
  *fields(): Generator<[number, number]> {
    while (this.position < this.end) {
      const key = Number(this.varint())
      yield [key >> 3, key & 7]
    }
  }
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8')

/** Milliseconds since the epoch. */
function timestamp(message: Uint8Array): number {
  const reader = new Reader(message)
  let seconds = 0n,
    nanos = 0n
  for (const [field, wireType] of reader.fields()) {
    if (field === 1 && wireType === 0) seconds = reader.varint()
    else if (field === 2 && wireType === 0) nanos = reader.varint()
    else reader.skip(wireType)
  }
  return Number(seconds) * 1000 + Number(nanos) / 1e6
}

function vertex(message: Uint8Array): TraceVertex {
  const reader = new Reader(message)
  const out: TraceVertex = { digest: '', name: '', cached: false }
  for (const [field, wireType] of reader.fields()) {
    if (field === 1 && wireType === 2) out.digest = text(reader.bytes())
    else if (field === 3 && wireType === 2) out.name = text(reader.bytes())
    else if (field === 4 && wireType === 0) out.cached = reader.varint() !== 0n
    else if (field === 5 && wireType === 2) out.started = timestamp(reader.bytes())
    else if (field === 6 && wireType === 2) out.completed = timestamp(reader.bytes())
    else if (field === 7 && wireType === 2) out.error = text(reader.bytes())
    else reader.skip(wireType)
  }
  return out
}

function log(message: Uint8Array): TraceLog {
  const reader = new Reader(message)
  const out: TraceLog = { vertex: '', stream: 1, msg: '' }
  for (const [field, wireType] of reader.fields()) {
    if (field === 1 && wireType === 2) out.vertex = text(reader.bytes())
    else if (field === 3 && wireType === 0) out.stream = Number(reader.varint())
    else if (field === 4 && wireType === 2) out.msg = text(reader.bytes())
    else reader.skip(wireType)
  }
  return out
}

/** One trace message's aux; throws where its bytes break the wire format (a truncated varint, a group). */
export function decodeStatusResponse(base64: string): StatusResponse {
  const reader = new Reader(Buffer.from(base64, 'base64'))
  const out: StatusResponse = { vertexes: [], logs: [] }
  for (const [field, wireType] of reader.fields()) {
    if (field === 1 && wireType === 2) out.vertexes.push(vertex(reader.bytes()))
    else if (field === 3 && wireType === 2) out.logs.push(log(reader.bytes()))
    else reader.skip(wireType)
  }
  return out
}
