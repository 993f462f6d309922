// `cmc repo add`: a repository registered from a folder, git URL or archive.
import { defineCommand } from '../../cli/command.js'
import { loadIndex } from '../../repos/index.js'
import { addRepo } from '../../repos/registry.js'

export default defineCommand({
  summary: 'Register an artifact repository from a folder, a git URL or a .tar.gz/.zip archive',
  examples: [
    '<%= config.bin %> repo add ./examples',
    '<%= config.bin %> repo add https://example.org/team/benchmarks.git',
    '<%= config.bin %> repo add ./mlc-scripts.tar.gz',
  ],
  args: [{ name: 'source', required: true, description: 'folder, git URL or archive' }],
  flags: {
    replace: { kind: 'boolean', description: 'take the name over from another registered repo of the same name (another clone, say)' },
  },
  async action({ args, flags }, io) {
    const repo = await addRepo(args.source, { replace: flags.replace })
    const index = await loadIndex({ events: io.events })
    const mine = index.all().filter((a) => a.repo === repo.name)
    // uids name one artifact everywhere: a copy of another repo under a new name clashes
    const elsewhere = new Map(
      index
        .all()
        .filter((a) => a.repo !== repo.name)
        .map((a) => [a.uid, a.repo]),
    )
    const clashes = mine.filter((a) => elsewhere.has(a.uid))
    if (clashes.length) {
      const repos = [...new Set(clashes.map((a) => elsewhere.get(a.uid)))]
      io.warn(
        `${clashes.length} of ${repo.name}'s artifacts have uids that repo ${repos.join(', ')} already uses (${clashes
          .slice(0, 3)
          .map((a) => `${a.alias} ${a.uid}`)
          .join(
            ', ',
          )}${clashes.length > 3 ? ', …' : ''}): a uid or alias then names either one. If ${repo.name} is a copy, keep one: \`cmc repo remove ${repos[0]}\` or \`cmc repo remove ${repo.name}\`; else give its artifacts new uids`,
      )
    }
    if (!io.json) io.log(`added repo ${repo.name} (${mine.length} artifacts) at ${repo.path}`)
    return { ...repo, artifacts: mine.length, uidClashes: clashes.map((a) => a.uid) }
  },
})
