// Which command argv names, from the command modules' files alone: bin/run.js
// asks before it loads anything else, to load that command's bundle.
import { existsSync } from 'node:fs'

/** The command argv starts with (`exp list`, `exp:list` or `find`), and the rest of argv; undefined when none is. */
export function commandOf(argv: readonly string[], commandsDir: URL): { id: string; rest: string[] } | undefined {
  const exists = (file: string) => existsSync(new URL(`${file}.js`, commandsDir)) || existsSync(new URL(`${file}.ts`, commandsDir))
  const [first, second] = argv
  const word = /^[a-z][a-z-]*$/
  if (first === undefined) return undefined
  if (first.includes(':')) {
    const [topic, name] = first.split(':')
    return topic && name && word.test(topic) && word.test(name) && exists(`${topic}/${name}`) ? { id: `${topic} ${name}`, rest: argv.slice(1) } : undefined
  }
  if (!word.test(first)) return undefined
  if (second !== undefined && word.test(second) && exists(`${first}/${second}`)) return { id: `${first} ${second}`, rest: argv.slice(2) }
  return exists(first) ? { id: first, rest: argv.slice(1) } : undefined
}
