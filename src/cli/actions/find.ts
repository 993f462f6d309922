// `cmc find`: the action and its flags as data (run by oclif and by the fast path).
import { KINDS, type Kind } from '../../meta/kinds.js'
import { loadIndex } from '../../repos/index.js'
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
  return rows
}
