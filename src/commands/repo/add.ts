// `cmc repo add`: a repository registered from a folder, git URL or archive:
// a cmc repository (cmc-repo.yaml) or a CM/MLC one as published. The repo is
// indexed before it is registered, so an add that fails leaves nothing behind.
import { defineCommand } from '../../cli/command.js'
import type { Artifact } from '../../meta/artifact.js'
import { indexRepoFresh, loadIndex, type RepoIndexSummary } from '../../repos/index.js'
import { addRepo } from '../../repos/registry.js'

export default defineCommand({
  summary: 'Register an artifact repository from a folder, a git URL or a .tar.gz/.zip archive',
  description:
    'A cmc repository has cmc-repo.yaml; a CM/MLC script repository (cmr.yaml, or meta.yaml beside script/) is added as published, and cmc writes nothing into it.',
  examples: [
    '<%= config.bin %> repo add ./examples',
    '<%= config.bin %> repo add https://example.org/team/benchmarks.git',
    '<%= config.bin %> repo add ./mlperf-automations',
    '<%= config.bin %> repo add ./mlc-scripts.tar.gz',
  ],
  args: [{ name: 'source', required: true, description: 'folder, git URL or archive' }],
  flags: {
    replace: { kind: 'boolean', description: 'take the name over from another registered repo of the same name (another clone, say)' },
  },
  async action({ args, flags }, io) {
    let summary: RepoIndexSummary | undefined
    const repo = await addRepo(args.source, {
      replace: flags.replace,
      check: async (entry) => {
        summary = await indexRepoFresh(entry)
      },
    })
    const mine = summary!.artifacts
    for (const n of summary!.notes) io.warn(n)
    for (const p of summary!.problems)
      io.warn(`skipped ${p.error.where?.file ?? p.file}${p.error.where?.line ? `:${p.error.where.line}` : ''}: ${p.error.message}`)
    const index = await loadIndex()
    const others = index.all().filter((a) => a.repo !== repo.name)
    const uidClashes = clashesWith(mine, others, 'uid')
    if (uidClashes.length) {
      const repos = [...new Set(uidClashes.map(([, b]) => b.repo))]
      io.warn(
        `${uidClashes.length} of ${repo.name}'s artifacts have uids that repo ${repos.join(', ')} already uses (${uidClashes
          .slice(0, 3)
          .map(([a]) => `${a.alias} ${a.uid}`)
          .join(
            ', ',
          )}${uidClashes.length > 3 ? ', …' : ''}): a uid or alias then names either one. If ${repo.name} is a copy, keep one: \`cmc repo remove ${repos[0]}\` or \`cmc repo remove ${repo.name}\`; else give its artifacts new uids`,
      )
    }
    const shared = sharedUids(mine)
    for (const list of shared)
      io.warn(
        `${list.length} scripts of ${repo.name} share the uid ${list[0].uid}: ${list.map((a) => `${a.alias} (${a.relDir})`).join(', ')}; \`cmc show ${list[0].uid}\` names each, \`cmc show ${repo.name}:ALIAS\` picks one`,
      )
    const aliasClashes = clashesWith(
      mine.filter((a) => a.format === 'cm'),
      others,
      'alias',
    )
    if (aliasClashes.length)
      io.warn(
        `${aliasClashes.length} of ${repo.name}'s scripts share an alias with another repo's artifact (${aliasClashes
          .slice(0, 3)
          .map(([a, b]) => `${a.alias} in ${b.repo}`)
          .join(', ')}${aliasClashes.length > 3 ? ', …' : ''}): name them as ${repo.name}:ALIAS or REPO:ALIAS`,
      )
    const extra = summary!.entries ? `, ${summary!.entries} other CM entr${summary!.entries === 1 ? 'y' : 'ies'} (\`cmc repo entries ${repo.name}\`)` : ''
    if (!io.json)
      io.log(`added repo ${repo.name} (${mine.length} ${repo.layout ? 'script' : 'artifact'}${mine.length === 1 ? '' : 's'}${extra}) at ${repo.path}`)
    return {
      ...repo,
      artifacts: mine.length,
      entries: summary!.entries,
      uidClashes: uidClashes.map(([a]) => a.uid),
      sharedUids: shared.map((l) => l[0].uid),
      aliasClashes: aliasClashes.map(([a]) => a.alias),
      notes: summary!.notes,
      skipped: summary!.problems.map((p) => p.file),
    }
  },
})

/** Each of `mine` whose uid (or alias) one of `others` has, with that one. */
function clashesWith(mine: Artifact[], others: Artifact[], by: 'uid' | 'alias'): Array<[Artifact, Artifact]> {
  const seen = new Map(others.map((a) => [a[by], a]))
  return mine.filter((a) => seen.has(a[by])).map((a) => [a, seen.get(a[by])!])
}

/** Scripts of one repo sharing a uid. */
function sharedUids(mine: Artifact[]): Artifact[][] {
  const byUid = new Map<string, Artifact[]>()
  for (const a of mine) byUid.set(a.uid, [...(byUid.get(a.uid) ?? []), a])
  return [...byUid.values()].filter((l) => l.length > 1)
}
