import * as Flags from '@oclif/core/flags'
import { BaseCommand } from '../cli/baseCommand.js'
import { repoFlag } from '../cli/flags.js'
import { formatTable } from '../cli/table.js'
import { KINDS, type Kind } from '../meta/kinds.js'
import { loadIndex } from '../repos/index.js'

export default class Find extends BaseCommand {
  static override summary = 'Find artifacts by tags'
  static override description = 'Tag queries: comma-separated tags; `-tag` excludes a tag, `_name` requires a variation. Works on cmc and CM/MLC repositories alike.'
  static override examples = [
    '<%= config.bin %> find --tags python,-dev',
    '<%= config.bin %> find --tags get,python --kind component',
    '<%= config.bin %> find --kind benchmark --repo ./examples --json',
  ]
  static override flags = {
    tags: Flags.string({ char: 't', description: 'tag query, e.g. python,-dev', default: '' }),
    kind: Flags.string({ char: 'k', description: 'only this kind', options: KINDS }),
    repo: repoFlag,
  }

  async run() {
    const { flags } = await this.parse(Find)
    const index = await loadIndex({ extraRepos: flags.repo, events: this.events })
    const found = index.find(flags.tags, { kind: flags.kind as Kind | undefined })
    const rows = found.map((a) => ({ kind: a.kind, alias: a.alias, uid: a.uid, version: a.version ?? '', tags: a.tags.join(','), repo: a.repo, format: a.format, path: a.dir }))
    if (!this.jsonEnabled()) {
      this.log(found.length ? formatTable(rows, ['kind', 'alias', 'uid', 'tags', 'repo']) : 'no artifacts match')
    }
    return rows
  }
}
