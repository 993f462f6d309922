// oclif's command_not_found hook (package.json's oclif.hooks): argv whose words
// name no command. `cmc help CMD` and `cmc version` are answered as oclif's help
// and version plugins answer them, without installing either; anything else is
// a USAGE error, as JSON with --json, naming the nearest command when one is near.
import type { Config, Hook } from '@oclif/core/interfaces'
import { CmcError } from '../errors.js'
import { nearest } from '../meta/nearest.js'
import { failWith } from './io.js'

// oclif joins the leading words of argv into the id ("help exp list" arrives as help:exp:list)
const hook: Hook<'command_not_found'> = async function ({ id, argv = [], config }) {
  const [first, ...more] = id.split(':')
  const json = argv.includes('--json')
  if (first === 'version' || id === '-v') {
    process.stdout.write(json ? JSON.stringify({ version: config.version, userAgent: config.userAgent }, null, 2) + '\n' : config.userAgent + '\n')
    return
  }
  if (first === 'help' && (!more.length || config.findCommand(more.join(':')) || config.findTopic(more.join(':')))) {
    const { run } = await import('@oclif/core/run')
    return run([...more, ...argv, '--help'], config)
  }
  failWith(notACommand(first === 'help' ? more : [first!, ...more], config), json)
}

function notACommand(words: string[], config: Config): CmcError {
  const isTopic = config.topics.some((t) => t.name === words[0])
  const typed = (isTopic && words.length > 1 ? words.slice(0, 2) : words.slice(0, 1)).join(' ')
  const ids = config.commandIDs.map((c) => c.replace(/:/g, ' '))
  const candidates = typed.includes(' ') ? ids : [...ids.filter((c) => !c.includes(' ')), ...config.topics.map((t) => t.name), 'help', 'version']
  // a topic's command typed without its topic (`cmc reindex` for `cmc exp reindex`) is the best guess
  const inTopic = typed.includes(' ') ? undefined : ids.find((c) => c.endsWith(` ${typed}`))
  const [guess] = inTopic ? [inTopic] : nearest(typed, candidates, 1)
  return new CmcError('USAGE', `"${typed}" is not a cmc command`, {
    hint: guess ? `did you mean "${guess}"? (\`cmc --help\` lists the commands)` : '`cmc --help` lists the commands',
  })
}

export default hook
