// Which machine a run ran on, as compare and the index tell machines apart.
// A cluster's nodes may share one host name (several slurmd daemons on one
// host, nodes cloned from one image), and two clusters may each have a node
// n1: a cluster record whose node is not its host by name names its cluster
// and node too, so that runs of different nodes never pass for runs of one
// host. Where the node is the host by name (a real cluster's usual case) the
// host name stays as it is, and `host = node17` finds that node's runs.

/** What a run says of where it ran: a record, or anything shaped like one. */
export interface RanOn {
  host: { hostname: string }
  scheduler?: { cluster?: string; node?: string }
}

/**
 * The host a run counts as: the host name alone for a run on this machine's
 * engine, or for a cluster task whose node is the host by name;
 * `HOST (CLUSTER/NODE)` for a cluster task on a node of another name.
 */
export function hostIdentity(r: RanOn): string {
  const { hostname } = r.host
  const node = r.scheduler?.node
  if (!r.scheduler || !node || node === 'unknown') return hostname
  if (node === hostname || node === hostname.split('.')[0]) return hostname
  const cluster = r.scheduler.cluster
  return `${hostname} (${cluster ? `${cluster}/` : ''}${node})`
}
