// `cmc dashboard`: the report's views served live on this machine.
import { defineCommand } from '../cli/command.js'
import { storeSpec } from '../cli/spec.js'
import { startDashboard } from '../report/dashboard.js'
import { openStore } from '../store/store.js'

export default defineCommand({
  summary: 'Serve the report views locally (127.0.0.1) with filtering and compare',
  examples: ['<%= config.bin %> dashboard', '<%= config.bin %> dashboard --port 8080'],
  flags: {
    port: { kind: 'integer', default: 8377, description: 'port to listen on' },
    host: { kind: 'string', default: '127.0.0.1', description: 'address to listen on (keep it local)' },
    store: storeSpec,
  },
  async action({ flags }, io) {
    const store = await openStore({ path: flags.store })
    const dashboard = await startDashboard(store, { host: flags.host, port: flags.port })
    io.log(`cmc dashboard at ${dashboard.url} (Ctrl-C to stop)`)
    if (dashboard.networkUrls.length) io.log(`from other machines: ${dashboard.networkUrls.join('  ')}`)
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await dashboard.close()
    return { url: dashboard.url, networkUrls: dashboard.networkUrls }
  },
})
