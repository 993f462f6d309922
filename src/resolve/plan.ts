// The build plan: the resolver's output and the compiler's input. Plain data,
// printable (`cmc plan --json`), hashable. Nothing here holds absolute paths
// that enter the hash: the hash must be the same on another machine.

export type LayerName = 'os' | 'toolchain' | 'library' | 'app'

export interface PlanNode {
  /** alias plus selected variations, e.g. "pytorch[_cpu]" — unique within a plan. */
  id: string
  uid: string
  alias: string
  kind: 'component'
  repo: string
  relDir: string
  /** Absolute folder (not hashed; the context hash covers file contents). */
  dir: string
  version?: string
  variations: string[]
  layer: LayerName
  install: { apt: string[]; pip: string[]; run: string[]; files: string[]; env: Record<string, string> }
  runtime: { apt: string[]; copy: string[]; env: Record<string, string> }
  /** Cross-build recipe per target arch (see docs/meta.md). */
  cross?: Partial<Record<'amd64' | 'arm64', { apt: string[]; env: Record<string, string> }>>
  /** ids of the nodes this one depends on. */
  deps: string[]
}

export interface PlanPlatform {
  name: string
  arch: 'amd64' | 'arm64'
  dockerPlatform: string
  base: { build: string; runtime: string }
  fallbackBase?: { build: string; runtime: string }
  devices: { gpu: 'nvidia' | 'rocm' | 'none'; paths: string[]; groups: string[] }
  variations: string[]
  crossCompile: boolean
}

export interface PlanBenchmark {
  alias: string
  uid: string
  repo: string
  relDir: string
  dir: string
  files: string[]
  build?: { run: string[]; artifacts: string[]; apt: string[]; cross?: boolean }
  workdir: string
  command: string
  params: Record<string, { default: string | number | boolean; values?: Array<string | number | boolean> }>
  inputs: Record<string, { path: string; mount: string }>
  outputs: {
    dir: string
    metrics?: {
      file?: string
      format: 'json' | 'loadgen' | 'regex'
      patterns?: Record<string, string>
      higherIsBetter?: Record<string, boolean>
      units?: Record<string, string>
      /** the MLPerf scenario a run stands for, a template over the params */
      scenario?: string
    }
    maxBytes: number
  }
  devices: { gpu?: string | number; paths: string[] }
  secrets: string[]
  repeat: number
  warmup: number
  timeout?: number
  env: Record<string, string>
}

export interface BuildPlan {
  format: 1
  target: { kind: 'image' | 'benchmark'; alias: string; uid: string }
  image: { alias: string; uid: string; repo: string; relDir: string; workdir: string }
  platform: PlanPlatform
  /** Components in a deterministic topological order (deps first). */
  nodes: PlanNode[]
  /** Merged env (precedence documented in docs/meta.md). */
  env: Record<string, string>
  benchmark?: PlanBenchmark
  /** sha256 (hex) of the canonical plan without absolute paths and without this field. */
  hash: string
}
