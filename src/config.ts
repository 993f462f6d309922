// The user's settings for talking to a hub: its address and token, from the
// flag (the address only: a token on the command line would stay in the
// shell's history), else the environment (CMC_HUB, CMC_HUB_TOKEN), else
// ${CMC_HOME}/config.yaml:
//
//   hub:
//     url: https://hub.example.org/team-a
//     token: cmc_...
//
// A config file that holds a token must be the user's and readable by no one
// else (mode 600), as ssh demands of its keys; otherwise it is refused. Any
// config file must be the user's (or root's), and neither it nor its folder
// writable by everyone (a folder with the sticky bit, like /tmp, is fine for a
// file the user owns): its url decides where CMC_HUB_TOKEN is sent. Group
// write is let be, unlike ssh's StrictModes: with a umask of 002 (a group of
// one's own) every folder the user makes has it. The file's token goes only
// to the hub its url names. Messages leave the file's path to `where`, which
// the error printer shows first.
import { readFileSync, statSync, type Stats } from 'node:fs'
import path from 'node:path'
import { CmcError } from './errors.js'
import { parseWithPositions, type Parsed } from './meta/parse.js'
import { cmcHome } from './paths.js'
import { parseHubAddress, type HubAddress } from './store/location.js'
import { isRecord } from './values.js'

export interface HubSettings {
  address: HubAddress
  token?: string
}

interface ConfigFile {
  hub?: { url?: string; token?: string }
}

export const configFile = () => path.join(cmcHome(), 'config.yaml')

/** The config file, checked; {} when there is none. */
export function readConfig(file = configFile()): ConfigFile {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new CmcError('CONFIG_INVALID', `cannot be read: ${(e as Error).message}`, { where: { file }, cause: e })
  }
  let parsed: Parsed
  try {
    parsed = parseWithPositions(text, file)
  } catch (e) {
    throw new CmcError('CONFIG_INVALID', (e as Error).message, { where: (e as CmcError).where ?? { file } })
  }
  const doc = parsed.data
  // where a key is (or its value, for a value of the wrong kind), for the error
  const at = (keyPath: string[], atKey = true) => ({ file, ...parsed.position(keyPath, atKey) })
  if (doc === null || doc === undefined) return {}
  if (!isRecord(doc)) throw new CmcError('CONFIG_INVALID', 'expected a mapping with a hub: key', { where: { file, line: 1 } })
  for (const k of Object.keys(doc))
    if (k !== 'hub') throw new CmcError('CONFIG_INVALID', `unknown key ${k}`, { where: at([k]), hint: 'the file knows hub: { url, token }' })
  const hub = doc.hub
  if (hub !== undefined) {
    if (!isRecord(hub)) throw new CmcError('CONFIG_INVALID', 'hub: expected { url, token }', { where: at(['hub'], false) })
    for (const [k, v] of Object.entries(hub)) {
      if (k !== 'url' && k !== 'token')
        throw new CmcError('CONFIG_INVALID', `unknown key hub.${k}`, { where: at(['hub', k]), hint: 'hub: knows url and token' })
      if (typeof v !== 'string') throw new CmcError('CONFIG_INVALID', `hub.${k}: expected text`, { where: at(['hub', k], false) })
    }
  }
  const st = statSync(file)
  // a token's file is checked for its mode first: chmod 600 mends both
  if (isRecord(hub) && hub.token !== undefined) checkPrivate(file, st)
  checkUnwritable(file, st)
  return doc as ConfigFile
}

const ownerIsMe = (uid: number) => typeof process.getuid !== 'function' || uid === process.getuid() || uid === 0

/** Why others could write or replace the config file; undefined when they cannot. */
function writableByOthers(file: string, st: Stats): string | undefined {
  if (!ownerIsMe(st.uid)) return 'belongs to another user'
  if (st.mode & 0o002) return `is writable by everyone (mode ${(st.mode & 0o777).toString(8)})`
  const dir = path.dirname(file)
  const folder = statSync(dir)
  if (!ownerIsMe(folder.uid)) return `is in ${dir}, which belongs to another user`
  if (folder.mode & 0o002 && !(folder.mode & 0o1000))
    return `is in ${dir}, which everyone may write to (mode ${(folder.mode & 0o777).toString(8)}): they could replace it`
  return undefined
}

/** A config file neither it nor its folder writable by everyone: whoever could write it could send the user's token elsewhere. */
function checkUnwritable(file: string, st: Stats): void {
  const problem = writableByOthers(file, st)
  if (problem)
    throw new CmcError('CONFIG_INSECURE', `this config file ${problem}, so its hub.url cannot be trusted with a token`, {
      where: { file },
      hint: problem.startsWith('is in') ? `chmod o-w ${path.dirname(file)}, or point CMC_HOME at a folder of your own` : `chmod o-w ${file} (as its owner)`,
    })
}

/** A file with a secret must not be readable or writable by group or others (checkUnwritable sees to its owner). */
function checkPrivate(file: string, st: Stats): void {
  if ((st.mode & 0o077) !== 0)
    throw new CmcError('CONFIG_INSECURE', `holds a hub token and its mode is ${(st.mode & 0o777).toString(8)}: others may read it`, {
      where: { file },
      hint: `chmod 600 ${file}`,
    })
}

/** The hub a command talks to and its token: `flag` (an address), else CMC_HUB, else the config file. */
export function hubSettings(flag?: string): HubSettings {
  const config = readConfig()
  const spec = flag ?? process.env.CMC_HUB ?? config.hub?.url
  if (!spec)
    throw new CmcError('HUB_URL_INVALID', 'no hub given', {
      hint: `give its address (https://HUB/PROJECT) with the flag, CMC_HUB, or hub.url in ${configFile()}`,
    })
  const address = parseHubAddress(spec)
  let token = process.env.CMC_HUB_TOKEN || undefined
  if (!token && config.hub?.token && config.hub.url && parseHubAddress(config.hub.url).origin === address.origin) token = config.hub.token
  return { address, token }
}
