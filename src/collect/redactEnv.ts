// Env as recorded: values of declared secrets and of names that look secret
// (*TOKEN*, *PASSWORD*, *SECRET*, *KEY*, credentials) are replaced by "***".

/** What a redacted value reads in a record. */
export const REDACTED = '***'

const SECRET_NAME = /TOKEN|PASSWORD|PASSWD|SECRET|KEY|CREDENTIAL|AUTH/i

export function redactEnv(env: Record<string, string>, declared: string[] = []): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) out[k] = declared.includes(k) || SECRET_NAME.test(k) ? REDACTED : v
  return out
}
