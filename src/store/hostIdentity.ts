// Which machine a run ran on, as compare and the index tell machines apart.
// A cluster's nodes may share one host name (several slurmd daemons on one
// host, nodes cloned from one image), and two clusters may each have a node
// n1: a cluster record's host names its cluster and node too, so that runs of
// different nodes never pass for runs of one host.

/** What a run says of where it ran: a record, or anything shaped like one. */
export interface RanOn {
  host: { hostname: string }
  scheduler?: { cluster?: string; node?: string }
}

/**
 * The host a run counts as: the host name alone for a run on this machine's
 * engine; `HOST (CLUSTER/NODE)` for a cluster task, or `HOST (CLUSTER)` where
 * the node is the host by name.
 */
export function hostIdentity(r: RanOn): string {
  const { hostname } = r.host
  const node = r.scheduler?.node
  if (!r.scheduler || !node || node === 'unknown') return hostname
  const cluster = r.scheduler.cluster ? `${r.scheduler.cluster}` : ''
  const sameName = node === hostname || node === hostname.split('.')[0]
  if (sameName) return cluster ? `${hostname} (${cluster})` : hostname
  return `${hostname} (${cluster ? `${cluster}/` : ''}${node})`
}
