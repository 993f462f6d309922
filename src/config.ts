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
// else (mode 600), as ssh demands of its keys; otherwise it is refused. The
// file's token goes only to the hub its url names.
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from './errors.js'
import { yaml } from './lazy.js'
import { cmcHome } from './paths.js'
import { parseHubAddress, type HubAddress } from './store/location.js'

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
    throw new CmcError('CONFIG_INVALID', `${file} cannot be read: ${(e as Error).message}`, { where: { file }, cause: e })
  }
  let doc: unknown
  try {
    doc = yaml().parse(text)
  } catch (e) {
    throw new CmcError('CONFIG_INVALID', `${file} is not valid YAML: ${(e as Error).message}`, { where: { file } })
  }
  if (doc === null || doc === undefined) return {}
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
  if (!isObj(doc)) throw new CmcError('CONFIG_INVALID', `${file}: expected a mapping with a hub: key`, { where: { file } })
  for (const k of Object.keys(doc))
    if (k !== 'hub') throw new CmcError('CONFIG_INVALID', `${file}: unknown key ${k}`, { where: { file }, hint: 'the file knows hub: { url, token }' })
  const hub = doc.hub
  if (hub !== undefined) {
    if (!isObj(hub)) throw new CmcError('CONFIG_INVALID', `${file}: hub: expected { url, token }`, { where: { file } })
    for (const [k, v] of Object.entries(hub)) {
      if (k !== 'url' && k !== 'token')
        throw new CmcError('CONFIG_INVALID', `${file}: unknown key hub.${k}`, { where: { file }, hint: 'hub: knows url and token' })
      if (typeof v !== 'string') throw new CmcError('CONFIG_INVALID', `${file}: hub.${k}: expected text`, { where: { file } })
    }
    if (hub.token !== undefined) checkPrivate(file)
  }
  return doc as ConfigFile
}

/** A file with a secret must be the user's own and not readable or writable by group or others. */
function checkPrivate(file: string): void {
  const st = statSync(file)
  const mine = typeof process.getuid !== 'function' || st.uid === process.getuid()
  if ((st.mode & 0o077) !== 0 || !mine)
    throw new CmcError(
      'CONFIG_INSECURE',
      `${file} holds a hub token and ${mine ? `its mode is ${(st.mode & 0o777).toString(8)}` : 'belongs to another user'}: others may read it`,
      {
        where: { file },
        hint: `chmod 600 ${file}${mine ? '' : ' (as its owner), or keep the token in CMC_HUB_TOKEN'}`,
      },
    )
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
