// `cmc find`: artifacts by tag query, over every registered repo.
import { defineCommand } from '../cli/command.js'
import { repoSpec } from '../cli/spec.js'
import { formatTable } from '../cli/table.js'
import { KINDS, type Kind } from '../meta/kinds.js'
import { nearest } from '../meta/nearest.js'
import { type ArtifactIndex, loadIndex } from '../repos/index.js'
import { parseTagQuery, variationNames } from '../repos/tagQuery.js'

export default defineCommand({
  summary: 'Find artifacts by tags',
  description:
    'Tag queries: comma-separated tags; `-tag` excludes a tag, `_name` requires a variation. Works on cmc and CM/MLC repositories alike; a CM/MLC script (kind cm-script) is found as CM finds it: `_name` and `-_name` must name one of its variations, `NAME.#` wildcards included.',
  examples: [
    '<%= config.bin %> find --tags python,-dev',
    '<%= config.bin %> find --tags get,python --kind component',
    '<%= config.bin %> find --kind benchmark --repo ./examples --json',
    '<%= config.bin %> find --tags get,git,repo,_branch.main --kind cm-script',
  ],
  flags: {
    tags: { kind: 'string', char: 't', description: 'tag query, e.g. python,-dev', default: '' },
    kind: { kind: 'string', char: 'k', description: 'only this kind (cm-script: CM/MLC scripts)', options: [...KINDS, 'cm-script'] },
    repo: repoSpec,
  },
  async action({ flags }, io) {
    const index = await loadIndex({ extraRepos: flags.repo, events: io.events })
    const cm = flags.kind === 'cm-script'
    const found = index
      .find(flags.tags, { kind: cm ? 'component' : (flags.kind as Kind | undefined) })
      .filter((a) => (cm ? a.format === 'cm' : flags.kind !== 'component' || a.format !== 'cm'))
    const rows = found.map((a) => ({
      kind: a.format === 'cm' ? 'cm-script' : a.kind,
      alias: a.alias,
      uid: a.uid,
      version: a.version ?? '',
      tags: a.tags.join(','),
      repo: a.repo,
      format: a.format,
      path: a.dir,
    }))
    if (!io.json) io.log(found.length ? formatTable(rows, ['kind', 'alias', 'uid', 'tags', 'repo']) : 'no artifacts match')
    if (!found.length && !io.json) {
      for (const line of unknownTags(index.all(), flags.tags)) io.log(line)
      const line = missingVariations(index, flags.tags, cm ? 'component' : (flags.kind as Kind | undefined))
      if (line) io.log(line)
    }
    return rows
  },
})

/**
 * For an empty result of a query that asks for variations: the artifacts its
 * tags alone find, and the variations they have, so a mistyped `_name` is
 * told apart from tags that match nothing.
 */
function missingVariations(index: ArtifactIndex, query: string, kind: Kind | undefined): string | undefined {
  const q = parseTagQuery(query)
  const asked = [...q.variations.map((v) => `_${v}`), ...q.exclude.filter((t) => t.startsWith('_')).map((t) => `-${t}`)]
  if (!asked.length) return undefined
  const plain = [...q.include, ...q.exclude.filter((t) => !t.startsWith('_')).map((t) => `-${t}`)].join(',')
  const byTags = index.find(plain, { kind })
  if (!byTags.length) return undefined
  if (!plain) {
    const near = q.variations.flatMap((v) => nearest(v, new Set(byTags.flatMap(variationNames))))
    return `no artifact has the variation ${asked.join(',')}${near.length ? `; did you mean ${near.map((n) => `"_${n}"`).join(', ')}?` : ''}`
  }
  const shown = byTags.slice(0, 5).map((a) => {
    const names = variationNames(a)
    return `${a.alias} (${names.length ? names.map((n) => `_${n}`).join(', ') : 'no variations'})`
  })
  return `${byTags.length} artifact(s) have the tags ${plain}, none the variation ${asked.join(',')}: ${shown.join('; ')}${byTags.length > 5 ? '; …' : ''}`
}

/** For an empty result: each tag the query requires that no artifact has, with the nearest tags that exist. */
function unknownTags(all: Array<{ tags: string[] }>, query: string): string[] {
  const known = new Set(all.flatMap((a) => a.tags))
  return parseTagQuery(query)
    .include.filter((t) => !known.has(t))
    .map((t) => {
      const near = nearest(t, known)
      return `no artifact has the tag "${t}"${near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : ''}`
    })
}
