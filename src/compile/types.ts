// What the compiler hands to the engine: Dockerfile text plus the files the
// build context must hold. Plain data; the engine turns it into a tar stream.

export interface ContextEntry {
  /** Absolute path on the host (a file or a folder, copied recursively). */
  src: string
  /** Path inside the build context (posix, relative). */
  dest: string
  /**
   * The artifact folder `src` lies in: nothing outside it is read, and it is
   * itself followed when it is a link. Absent, `src`'s own folder is taken, so
   * `src` is sent as a link when it is one.
   */
  root?: string
}

export interface CompiledImage {
  dockerfile: string
  context: ContextEntry[]
  /** Docker platform string, e.g. linux/arm64. */
  platform: string
  /**
   * Base images the Dockerfile names through the build args CMC_BASE_BUILD and
   * CMC_BASE_RUNTIME (their defaults are these). The engine resolves them
   * (local image -> pull -> mirror map -> bootstrap hint) and passes the
   * concrete local refs as build args.
   */
  bases: { build: string; runtime: string }
  /**
   * Docker platform of the build stage: the target's, or the build host's when
   * the build stage cross-compiles (FROM --platform=$BUILDPLATFORM).
   */
  buildPlatform: string
  /** The build stage runs on the build host with cross toolchains. */
  crossBuild: boolean
  /** Provenance labels (also written as LABEL lines in the Dockerfile). */
  labels: Record<string, string>
  /** Stage names in order, e.g. ["build", "runtime"]. */
  stages: string[]
  builder: 'buildkit' | 'classic'
  planHash: string
}
