import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/baseCommand.js'
import { storeFlag } from '../cli/flags.js'
import { startDashboard } from '../report/dashboard.js'
import { openStore } from '../store/store.js'

export default class DashboardCmd extends BaseCommand {
  static override summary = 'Serve the report views locally (127.0.0.1) with filtering and compare'
  static override examples = ['<%= config.bin %> dashboard', '<%= config.bin %> dashboard --port 8080']
  static override flags = {
    port: Flags.integer({ default: 8377 }),
    host: Flags.string({ default: '127.0.0.1', description: 'address to listen on (keep it local)' }),
    store: storeFlag,
  }

  async run() {
    const { flags } = await this.parse(DashboardCmd)
    const store = await openStore({ path: flags.store })
    const d = await startDashboard(store, { host: flags.host, port: flags.port })
    this.log(`cmc dashboard at ${d.url} (Ctrl-C to stop)`)
    await new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve) })
    await d.close()
    return { url: d.url }
  }
}
