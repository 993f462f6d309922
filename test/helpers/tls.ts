// A self-signed certificate for 127.0.0.1 (openssl), for the tests that serve https.
import { execFileSync } from 'node:child_process'
import path from 'node:path'

/** hub.crt and hub.key in dir, valid for a day for IP 127.0.0.1. */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  const [cert, key] = [path.join(dir, 'hub.crt'), path.join(dir, 'hub.key')]
  const subject = ['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', ...subject, '-keyout', key, '-out', cert], { stdio: 'ignore' })
  return { cert, key }
}
