// `cmc find`: the action and its flags as data (run by oclif and by the fast path).
import { KINDS, type Kind } from '../../meta/kinds.js'
import { loadIndex } from '../../repos/index.js'
import { parseTagQuery } from '../../repos/tagQuery.js'
import type { CommandIo } from '../io.js'
import { repoSpec, type CommandSpec, type ParsedFlags } from '../spec.js'
import { formatTable } from '../table.js'

export const spec = {
  flags: {
    tags: { kind: 'string', char: 't', description: 'tag query, e.g. python,-dev', default: '' },
    kind: { kind: 'string', char: 'k', description: 'only this kind', options: KINDS },
    repo: repoSpec,
  },
} satisfies CommandSpec

export async function action(input: { flags: ParsedFlags }, io: CommandIo) {
  const flags = input.flags as { tags: string; kind?: Kind; repo?: string[] }
  const index = await loadIndex({ extraRepos: flags.repo, events: io.events })
  const found = index.find(flags.tags, { kind: flags.kind })
  const rows = found.map((a) => ({ kind: a.kind, alias: a.alias, uid: a.uid, version: a.version ?? '', tags: a.tags.join(','), repo: a.repo, format: a.format, path: a.dir }))
  if (!io.json) io.log(found.length ? formatTable(rows, ['kind', 'alias', 'uid', 'tags', 'repo']) : 'no artifacts match')
  if (!found.length && !io.json) for (const line of await unknownTags(index.all(), flags.tags)) io.log(line)
  return rows
}

/** For an empty result: each tag the query requires that no artifact has, with the nearest tags that exist. */
async function unknownTags(all: Array<{ tags: string[] }>, query: string): Promise<string[]> {
  const { nearest } = await import('../../meta/nearest.js') // only for an empty result: find's hot path loads nothing more
  const known = new Set(all.flatMap((a) => a.tags))
  return parseTagQuery(query).include.filter((t) => !known.has(t)).map((t) => {
    const near = nearest(t, known)
    return `no artifact has the tag "${t}"${near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : ''}`
  })
}
