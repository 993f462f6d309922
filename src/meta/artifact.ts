// An artifact as the index knows it: its validated meta plus where it lives.
// CM/MLC script folders (_cm.yaml, _cm.json, meta.yaml) are normalized into
// this shape too (format: 'cm'), so one tag query language serves both.
import type { ArtifactMeta, Kind } from './schema.js'

export interface Artifact {
  kind: Kind
  alias: string
  /** 16 hex digits; for folders without one, derived from repo uid + relative path. */
  uid: string
  tags: string[]
  version?: string
  /** Absolute path of the artifact folder. */
  dir: string
  /** Absolute path of the meta file (cmc.yaml, cmc.json, _cm.yaml, _cm.json, meta.yaml). */
  file: string
  /** Name of the repository it came from ("builtin" for the shipped one). */
  repo: string
  /** Folder relative to its repository root (stable across machines; used in hashes). */
  relDir: string
  format: 'cmc' | 'cm'
  /** The validated meta (CM meta is translated into cmc's component shape). */
  meta: ArtifactMeta
}
