// What a failed connection to a hub means for its user, when a retry cannot
// help: a certificate this machine does not trust, one out of date or for
// another name, or the wrong scheme (http:// to a hub that serves TLS,
// https:// to one that does not). Each becomes HUB_UNREACHABLE with the fix,
// at once, instead of a minute of retries ending in "socket hang up".
import net from 'node:net'
import tls from 'node:tls'
import { CmcError } from '../errors.js'

const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
])
const OUT_OF_DATE = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID'])
const OTHER_NAME = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH'])

/** The error for a TLS handshake the client refused or could not make; undefined for any other failure. */
export function tlsProblem(e: NodeJS.ErrnoException, origin: string): CmcError | undefined {
  const code = e.code ?? ''
  const fail = (what: string, hint: string) => new CmcError('HUB_UNREACHABLE', `the hub at ${origin}: ${what} (${e.message})`, { hint, cause: e })
  if (UNTRUSTED.has(code))
    return fail(
      "this machine does not trust the hub's TLS certificate",
      "give the hub's CA certificate (for a self-signed hub, its --tls-cert file) in PEM with NODE_EXTRA_CA_CERTS, e.g. NODE_EXTRA_CA_CERTS=hub.crt cmc ...",
    )
  if (OUT_OF_DATE.has(code))
    return fail(
      "the hub's TLS certificate is out of its validity dates",
      "the hub's admin renews it (cmc hub serve --tls-cert); check this machine's clock. NODE_EXTRA_CA_CERTS trusts a certificate, it does not make an expired one valid",
    )
  if (OTHER_NAME.has(code))
    return fail(
      "the hub's TLS certificate is for another name",
      'write the address with a name the certificate lists (the message says which), or have its admin issue one naming this host (subjectAltName); NODE_EXTRA_CA_CERTS trusts a certificate, it does not change its names',
    )
  // a plain HTTP server answers a TLS hello with an HTTP error, which OpenSSL reads as a bad record
  if (code === 'EPROTO' && /wrong version number|http request|packet length too long/i.test(e.message))
    return new CmcError('HUB_UNREACHABLE', `the hub at ${origin} does not speak TLS: it answered a TLS hello as plain HTTP`, {
      hint: `write the address with http:// (${origin.replace(/^https:/, 'http:')}/...), or serve the hub with --tls-cert and --tls-key`,
      cause: e,
    })
  return undefined
}

/**
 * Whether a TLS server answers at an http:// origin: a TLS server drops a
 * plain HTTP request without a word ("socket hang up"), which is also what a
 * hub going down looks like, so a handshake tells the two apart.
 */
export function servesTls(origin: string, timeoutMs = 3000): Promise<boolean> {
  const u = new URL(origin)
  const host = u.hostname.replace(/^\[|\]$/g, '')
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port: Number(u.port || 80),
      // the certificate is not what is asked here, only whether TLS answers; RFC 6066 allows no IP as a server name
      rejectUnauthorized: false,
      servername: net.isIP(host) ? undefined : host,
    })
    const done = (yes: boolean) => {
      socket.destroy()
      resolve(yes)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('secureConnect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/** The error for an http:// address of a hub that serves TLS. */
export const plainToTls = (origin: string, cause: unknown) =>
  new CmcError('HUB_UNREACHABLE', `the hub at ${origin} serves TLS: it dropped a plain HTTP request`, {
    hint: `write the address with https:// (${origin.replace(/^http:/, 'https:')}/...)`,
    cause,
  })
