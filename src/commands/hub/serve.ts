// `cmc hub serve`: the team's results hub over PostgreSQL.
import { defineCommand } from '../../cli/command.js'
import { CmcError } from '../../errors.js'
import { dbUrl, openDb, redactedUrl } from '../../hub/db.js'
import { DEFAULT_MAX_BODY, DEFAULT_MAX_FILE, readTls, startHub } from '../../hub/server.js'

/** HOST:PORT, [IPv6]:PORT or PORT alone. */
function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text)
  const port = Number(m?.[3])
  if (!m || !(port >= 0 && port < 65536))
    throw new CmcError('FLAG_VALUE', `--listen ${text}: expected HOST:PORT`, { hint: 'e.g. --listen 127.0.0.1:8390, or --listen 0.0.0.0:8390 with --tls-cert' })
  return { host: m[1] || m[2] || '127.0.0.1', port }
}

export default defineCommand({
  summary: 'Serve a shared results hub (HTTP API and web UI) over PostgreSQL',
  description:
    'Records pushed with `cmc exp push` are kept immutable in PostgreSQL, with their logs and outputs (sha256, size limit). Reads need a read token unless a project is public; pushes a push token of that project (`cmc hub token create`). The schema is migrated at start. Requests must name the hub in Host (and Origin, from a browser): --name adds the names it is reached by.',
  examples: [
    '<%= config.bin %> hub serve --db postgres://cmc:cmc-local@127.0.0.1:55432/cmc',
    '<%= config.bin %> hub serve --listen 0.0.0.0:8443 --tls-cert hub.crt --tls-key hub.key --name hub.example.org',
  ],
  flags: {
    db: { kind: 'string', description: 'PostgreSQL URL (default: CMC_HUB_DB)' },
    listen: { kind: 'string', default: '127.0.0.1:8390', description: 'HOST:PORT to listen on' },
    'tls-cert': { kind: 'string', description: 'TLS certificate (PEM): serve https' },
    'tls-key': { kind: 'string', description: 'TLS private key (PEM)' },
    name: {
      kind: 'string',
      multiple: true,
      description: 'another host name clients reach the hub by (repeatable); NAME:PORT for a proxy in front of the hub on that port',
    },
    'max-body-bytes': { kind: 'integer', default: DEFAULT_MAX_BODY, min: 1024, description: 'largest request body' },
    'max-file-bytes': { kind: 'integer', default: DEFAULT_MAX_FILE, min: 1, description: 'largest log or output file kept' },
  },
  async action({ flags }, io) {
    const { host, port } = parseListen(flags.listen)
    if (Boolean(flags['tls-cert']) !== Boolean(flags['tls-key']))
      throw new CmcError('FLAG_VALUE', '--tls-cert and --tls-key go together', { hint: 'give both, or neither' })
    const tls = flags['tls-cert'] ? { cert: flags['tls-cert'], key: flags['tls-key']! } : undefined
    // a bad certificate is told before the database is asked anything
    if (tls) readTls(tls)
    const url = dbUrl(flags.db)
    const db = await openDb(url, { onIdleError: (e) => io.warn(`the database connection was lost (${e.message}); reconnecting on the next request`) })
    const hub = await startHub(db, {
      host,
      port,
      names: flags.name,
      tls,
      maxBodyBytes: flags['max-body-bytes'],
      maxFileBytes: flags['max-file-bytes'],
      events: io.events,
    })
    io.log(`cmc hub at ${hub.url} over ${redactedUrl(url)} (Ctrl-C to stop)`)
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await hub.close()
    await db.close()
    return { url: hub.url }
  },
})
