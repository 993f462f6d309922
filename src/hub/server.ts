// `cmc hub serve`: the hub's HTTP API and web UI over PostgreSQL (node:http or
// node:https). Every request passes, in order: the Host/Origin guard (the
// dashboard's), the bad-token limiter for its address, the token (Bearer, or
// the UI's cookie) and its scope and project; only then is a body read, and
// never past the limit. Errors answer as the CLI prints them (the CmcError's
// JSON), with an HTTP status the client maps back.
//
//   GET  /api/v1/health
//   GET  /api/v1/projects/P/limits                     -> {maxBodyBytes, maxFileBytes}
//   POST /api/v1/projects/P/have      {ids}            push   -> {held: {id: hash}}
//   POST /api/v1/projects/P/records   {records: [{record, files}]}  push -> {added, existing, conflicts}
//   POST /api/v1/projects/P/fetch     {ids}            read   -> {records}
//   GET  /api/v1/projects/P/records?where&sort&limit   read   -> {rows, warnings}
//   GET  /api/v1/projects/P/find?spec                  read   -> {record, pushedBy, pushedAt, warnings}
//   GET  /api/v1/projects/P/full?spec                  read   -> {records, warnings}
//   GET  /api/v1/projects/P/compare?a&b&noise-band&allow-*&per  read -> {comparison, warnings}
//   GET  /api/v1/projects/P/files/ID/NAME              read   -> the file
//   GET  /api/v1/projects/P/tokens                     admin  -> {tokens}
//   POST /api/v1/projects/P/tokens    {user, scope}    admin  -> the token, with its text (once)
//   POST /api/v1/projects/P/tokens/ID/revoke           admin  -> the token
//   UI:  /login, /p/P/ (dashboard), /p/P/api/records, /p/P/api/compare, /p/P/r/ID, /p/P/r/ID/files/NAME
import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import tls from 'node:tls'
import { CmcError, type ErrorCode } from '../errors.js'
import type { EventSink } from '../events.js'
import { hostGuard, serverNames } from '../report/dashboard.js'
import { parseNoiseBand, type CompareOptions } from '../store/compare.js'
import type { Db } from './db.js'
import { isDbUnavailable } from './db.js'
import { hubCompare, hubFind, hubList, hubRecords, MAX_FULL_RECORDS } from './hubQueries.js'
import { heldHashes, projectInfo, pushRecords, recordFile, recordsById, type CheckedItem } from './hubRecords.js'
import { checkFiles, recordProblem, unsafeName, type PushedItem } from './recordCheck.js'
import { BadTokenLimiter, createToken, listTokens, lookupToken, revokeToken, SCOPES, scopeAllows, type Scope, type TokenInfo } from './tokens.js'
import { hubPage, hubPageData, loginPage, recordPage } from './ui.js'

export interface HubOptions {
  host: string
  port: number
  /** other names the hub is reached by (a DNS name; NAME:PORT for a proxy in front of it, reached on that port) */
  names?: string[]
  tls?: { cert: string; key: string }
  maxBodyBytes?: number
  maxFileBytes?: number
  /** wrong tokens from one address before it is refused for a while */
  badTokenLimit?: number
  badTokenWindowMs?: number
  events?: EventSink
}

export interface Hub {
  url: string
  close(): Promise<void>
}

export const DEFAULT_MAX_BODY = 64 * 1024 * 1024
export const DEFAULT_MAX_FILE = 16 * 1024 * 1024
/** Records one push request may carry. */
const MAX_BATCH = 5000
/** What the web UI shows of a project: its newest runs. */
const NEWEST = { sort: 'date:desc', limit: 500 }
const PROJECT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
/** Why a browser was sent to sign in, as the login page says it. */
const SIGN_IN_REASONS: Record<string, ((project: string) => string) | undefined> = {
  none: (project) => `Project ${project} is not public: sign in with a token to read it.`,
  refused: (project) => `The token this browser holds does not open project ${project} (wrong, revoked, or for another project): sign in with another.`,
}

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  HOST_NOT_ALLOWED: 403,
  RECORD_NOT_FOUND: 404,
  HUB_RECORD_CONFLICT: 409,
  HUB_RATE_LIMITED: 429,
  HUB_DB_UNREACHABLE: 503,
}

/** An error with the HTTP status it answers with. */
class HttpError extends CmcError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
    hint?: string,
  ) {
    super(code, message, { hint })
  }
}

const unauthorized = (message: string) => new HttpError(401, 'HUB_UNAUTHORIZED', message, 'give a token of this hub: CMC_HUB_TOKEN or ~/.cmc/config.yaml')
const forbidden = (message: string) => new HttpError(403, 'HUB_UNAUTHORIZED', message, 'ask the hub admin for a token with that scope and project')
const invalid = (message: string, status = 400) => new HttpError(status, 'HUB_REQUEST_INVALID', message)

/** A list's `limit=` parameter: a whole number, as --limit is on the command line. */
function limitParam(value: string): number {
  if (!/^\d+$/.test(value)) throw invalid(`limit must be a whole number of records, not ${JSON.stringify(value)}`)
  return Number(value)
}

function statusOf(e: CmcError): number {
  if (e instanceof HttpError) return e.status
  return STATUS_OF[e.code] ?? (e.category === 'input' ? 400 : 500)
}

/**
 * The dashboard's Host/Origin check over the names the hub answers to at its
 * listen port, and over each NAME:PORT given: a proxy in front of the hub
 * (TLS on 443, say) passes the browser's Host or puts the hub's own address
 * there, while the browser's Origin names the proxy. Host and Origin must each
 * be one of these host:port pairs.
 */
export function hubGuard(listenHost: string, names: readonly string[], port: () => number): (req: http.IncomingMessage) => CmcError | undefined {
  const withPort = names.map((n) => /^(.*[^:]):(\d{1,5})$/.exec(n)).filter((m): m is RegExpExecArray => m !== null && !/^[^[]*:/.test(m[1]!))
  const plain = names.filter((n) => !withPort.some((m) => m[0] === n))
  const guards = [hostGuard(serverNames(listenHost, plain), port), ...withPort.map((m) => hostGuard([m[1]!.toLowerCase()], () => Number(m[2])))]
  if (guards.length === 1) return guards[0]!
  const passes = (headers: http.IncomingHttpHeaders) => guards.some((g) => !g({ headers } as http.IncomingMessage))
  return (req) => {
    const { host, origin } = req.headers
    // Host alone, then the Origin judged as a Host of its own (its port made explicit as the guard does)
    if (!passes({ host })) return guards[0]!({ headers: { host } } as http.IncomingMessage)
    if (origin === undefined) return undefined
    let originHost = ''
    try {
      const o = new URL(origin)
      originHost = o.host + (o.port ? '' : `:${o.protocol === 'https:' ? 443 : 80}`)
    } catch {
      // "null" and other opaque origins are never the hub's
    }
    if (originHost && passes({ host: originHost })) return undefined
    return new CmcError('HOST_NOT_ALLOWED', `a page of ${JSON.stringify(origin)} may not use this server`, {
      hint: "open the server's own address in the browser",
    })
  }
}

/**
 * The certificate and key read and paired before the hub listens: a file that
 * cannot be read, is not PEM, or a key of another certificate is the flag's
 * error (exit 2), not the TLS library's stack trace.
 */
export function readTls(paths: { cert: string; key: string }): { cert: Buffer; key: Buffer } {
  const read = (flag: string, file: string) => {
    try {
      return readFileSync(file)
    } catch (e) {
      throw new CmcError('FLAG_VALUE', `${flag} ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, {
        hint: "give the PEM files of the hub's certificate and its private key (`openssl req -x509 ...` makes a self-signed pair)",
        cause: e,
      })
    }
  }
  const pair = { cert: read('--tls-cert', paths.cert), key: read('--tls-key', paths.key) }
  try {
    tls.createSecureContext(pair)
  } catch (e) {
    throw new CmcError('FLAG_VALUE', `--tls-cert ${paths.cert} --tls-key ${paths.key}: not a usable certificate and key (${(e as Error).message})`, {
      hint: 'both are PEM (-----BEGIN CERTIFICATE----- and -----BEGIN PRIVATE KEY-----), the key the one the certificate was made for',
      cause: e,
    })
  }
  return pair
}

export async function startHub(db: Db, opts: HubOptions): Promise<Hub> {
  const tlsPair = opts.tls ? readTls(opts.tls) : undefined
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY
  const maxFile = opts.maxFileBytes ?? DEFAULT_MAX_FILE
  const limiter = new BadTokenLimiter(opts.badTokenLimit, opts.badTokenWindowMs)
  let port = opts.port
  const guard = hubGuard(opts.host, opts.names ?? [], () => port)
  const scheme = opts.tls ? 'https' : 'http'
  const events = opts.events

  /** The token of a request, checked; undefined when none was given. */
  async function tokenOf(req: http.IncomingMessage): Promise<TokenInfo | undefined> {
    const address = req.socket.remoteAddress ?? ''
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1]
    const cookie = /(?:^|;\s*)cmc_hub_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1]
    const given = bearer ?? (cookie ? decodeURIComponent(cookie) : undefined)
    if (given === undefined) return undefined
    const wait = limiter.blockedFor(address)
    if (wait > 0) {
      const e = new HttpError(
        429,
        'HUB_RATE_LIMITED',
        `too many wrong tokens from ${address}; try again in ${Math.ceil(wait / 1000)} s`,
        `wait, then check the token (CMC_HUB_TOKEN or ~/.cmc/config.yaml): it is wrong, revoked or of another hub; \`cmc hub token list\` shows the live ones, and the hub's admin makes a new one`,
      )
      throw Object.assign(e, { retryAfter: Math.ceil(wait / 1000) })
    }
    const token = await lookupToken(db, given)
    if (!token) {
      limiter.miss(address)
      throw unauthorized("the token is not one of this hub's, or it was revoked")
    }
    return token
  }

  /** The request's token if it may `need` on the project; public projects are read without one. */
  async function authorize(req: http.IncomingMessage, project: string, need: Scope): Promise<TokenInfo | undefined> {
    const token = await tokenOf(req)
    if (!token) {
      if (need === 'read' && (await projectInfo(db, project))?.public) return undefined
      throw unauthorized(
        need === 'read' ? `project ${project} is not public: reading it needs a token` : `${need === 'push' ? 'pushing' : 'this'} needs a token`,
      )
    }
    if (!scopeAllows(token.scope, need)) throw forbidden(`the token of ${token.user} has scope ${token.scope}; this needs ${need}`)
    if (token.project !== null && token.project !== project) throw forbidden(`the token of ${token.user} is for project ${token.project}, not ${project}`)
    return token
  }

  async function body(req: http.IncomingMessage): Promise<unknown> {
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > maxBody) throw invalid(`the request body (${declared} bytes) is over the hub's limit of ${maxBody} bytes`, 413)
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > maxBody) throw invalid(`the request body is over the hub's limit of ${maxBody} bytes`, 413)
      chunks.push(chunk)
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch (e) {
      throw invalid(`the request body is not JSON: ${(e as Error).message}`)
    }
  }

  const idList = (b: unknown): string[] => {
    const ids = (b as { ids?: unknown })?.ids
    if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string') || ids.length > 100_000)
      throw invalid('expected {"ids": [record ids]} (at most 100,000)')
    return ids
  }

  /** Checks every record and file of a push before anything is written. */
  function checkPush(b: unknown): CheckedItem[] {
    const items = (b as { records?: unknown })?.records
    if (!Array.isArray(items)) throw invalid('expected {"records": [{"record": ..., "files": [...]}]}')
    if (items.length > MAX_BATCH) throw invalid(`a push carries at most ${MAX_BATCH} records; send them in batches`)
    return (items as PushedItem[]).map((item, i) => {
      const problem = recordProblem(item?.record)
      if (problem) throw invalid(`records[${i}]: ${problem}`)
      const files = checkFiles(item.record, item.files, maxFile)
      if (typeof files === 'string') throw invalid(`records[${i}] (${item.record.id}): ${files}`, files.includes('over the hub') ? 413 : 400)
      return { record: item.record, files }
    })
  }

  function compareOptions(q: URLSearchParams): CompareOptions {
    const flag = (name: string) => q.has(name) && !['0', 'false'].includes(q.get(name)!)
    const per = q.get('per') ?? undefined
    if (per !== undefined && per !== 'accelerator') throw invalid(`per=${per}: the hub compares per accelerator or not at all`)
    return {
      ...(per ? { per } : {}),
      noiseBand: parseNoiseBand(q.get('noise-band') ?? undefined),
      allowMixed: flag('allow-mixed'),
      allowDifferentImages: flag('allow-different-images'),
      allowDifferentHosts: flag('allow-different-hosts'),
      allowEmulated: flag('allow-emulated'),
    }
  }

  const sides = (q: URLSearchParams) => {
    const side = (n: 'a' | 'b') => {
      const v = q.get(n)?.trim()
      if (!v) throw new CmcError('USAGE', `compare needs both sides: ?a=A&b=B (side ${n} is missing)`)
      return v
    }
    return [side('a'), side('b')] as const
  }

  type Reply = { status?: number; type?: string; body: string | Buffer; headers?: Record<string, string> }
  const json = (v: unknown, status = 200): Reply => ({ status, type: 'application/json', body: JSON.stringify(v) })
  const html = (text: string): Reply => ({ type: 'text/html; charset=utf-8', body: text })

  async function fileReply(project: string, id: string, name: string): Promise<Reply> {
    const unsafe = unsafeName(name)
    if (unsafe) throw invalid(unsafe)
    const file = await recordFile(db, project, id, name)
    if (!file) throw new HttpError(404, 'RECORD_NOT_FOUND', `record ${id} has no file ${name} on the hub`)
    return { type: 'application/octet-stream', body: file.content, headers: { 'x-content-sha256': file.sha256, 'content-disposition': 'attachment' } }
  }

  async function api(req: http.IncomingMessage, url: URL, project: string, rest: string): Promise<Reply> {
    const q = url.searchParams
    const method = req.method ?? 'GET'
    if (rest === 'limits') return json({ maxBodyBytes: maxBody, maxFileBytes: maxFile })
    if (method === 'POST' && rest === 'have') {
      await authorize(req, project, 'push')
      return json({ held: await heldHashes(db, project, idList(await body(req))) })
    }
    if (method === 'POST' && rest === 'records') {
      const token = (await authorize(req, project, 'push'))!
      const items = checkPush(await body(req))
      const outcome = await pushRecords(db, project, token.user, items)
      events?.({
        type: 'log',
        level: 'info',
        message: `${token.user} pushed ${outcome.added.length} record(s) to ${project} (${outcome.existing.length} held already)`,
      })
      return json(outcome, outcome.conflicts.length ? 409 : 200)
    }
    if (method === 'POST' && rest === 'fetch') {
      await authorize(req, project, 'read')
      const ids = idList(await body(req))
      if (ids.length > MAX_FULL_RECORDS) throw invalid(`fetch at most ${MAX_FULL_RECORDS} records at once`)
      const held = await recordsById(db, project, ids)
      return json({ records: ids.flatMap((id) => (held.has(id) ? [held.get(id)!.record] : [])) })
    }
    if (rest === 'tokens' || rest.startsWith('tokens/')) return tokens(req, project, rest)
    if (method !== 'GET') throw new HttpError(405, 'USAGE', `${method} is not served here`)
    await authorize(req, project, 'read')
    if (rest === 'records') {
      const limit = q.has('limit') ? limitParam(q.get('limit')!) : undefined
      const { result, warnings } = await hubList(db, project, q.get('where') ?? undefined, { sort: q.get('sort') ?? undefined, limit })
      return json({ rows: result, warnings })
    }
    if (rest === 'find') {
      const { result, warnings } = await hubFind(db, project, q.get('spec') ?? '')
      return json({ ...result, warnings })
    }
    if (rest === 'full') {
      const { result, warnings } = await hubRecords(db, project, q.get('spec') ?? '')
      return json({ records: result, warnings })
    }
    if (rest === 'compare') {
      const [a, b] = sides(q)
      const { result, warnings } = await hubCompare(db, project, a, b, compareOptions(q))
      return json({ comparison: result, warnings })
    }
    const file = /^files\/([^/]+)\/(.+)$/.exec(rest)
    if (file) return fileReply(project, decodeURIComponent(file[1]!), decodeURIComponent(file[2]!))
    throw new HttpError(404, 'USAGE', `no such API: ${url.pathname}`)
  }

  /**
   * A project's tokens, managed with an admin token of that project (or of
   * every project): list, create (for the project, printed once), revoke.
   * Tokens of every project are made against the database only.
   */
  async function tokens(req: http.IncomingMessage, project: string, rest: string): Promise<Reply> {
    const admin = (await authorize(req, project, 'admin'))!
    const method = req.method ?? 'GET'
    if (method === 'GET' && rest === 'tokens') return json({ tokens: await listTokens(db, project) })
    if (method === 'POST' && rest === 'tokens') {
      const b = (await body(req)) as { user?: unknown; scope?: unknown }
      if (typeof b?.user !== 'string' || !SCOPES.includes(b.scope as Scope)) throw invalid(`expected {"user": NAME, "scope": ${SCOPES.join(' | ')}}`)
      const made = await createToken(db, { user: b.user, scope: b.scope as Scope, project })
      events?.({ type: 'log', level: 'info', message: `${admin.user} made token ${made.id} (${made.scope}) for ${made.user} in ${project}` })
      return json(made)
    }
    const revoke = /^tokens\/(\d+)\/revoke$/.exec(rest)
    if (method === 'POST' && revoke) {
      const gone = await revokeToken(db, Number(revoke[1]), project)
      events?.({ type: 'log', level: 'info', message: `${admin.user} revoked token ${gone.id} of ${gone.user} in ${project}` })
      return json(gone)
    }
    throw new HttpError(404, 'USAGE', `no such API: ${method} ${rest}`)
  }

  /** Whether a request comes from a person's browser (a page or a link), not from a script or the page's own fetch. */
  const wantsPage = (req: http.IncomingMessage) => /\btext\/html\b/.test(req.headers.accept ?? '')

  /** The web UI: the dashboard over a project, a page per record; the token comes from the login cookie. */
  async function ui(req: http.IncomingMessage, url: URL, project: string, rest: string): Promise<Reply> {
    try {
      await authorize(req, project, 'read')
    } catch (e) {
      // a browser with no token, or one this project does not take, is sent to sign in, not shown the API's JSON
      if (!(e instanceof HttpError && e.code === 'HUB_UNAUTHORIZED' && wantsPage(req))) throw e
      const reason = req.headers.cookie?.includes('cmc_hub_token=') || req.headers.authorization ? 'refused' : 'none'
      return { status: 303, body: '', headers: { location: `/login?${new URLSearchParams({ project, reason })}` } }
    }
    const q = url.searchParams
    const base = `/p/${project}`
    if (rest === '') {
      const { result } = await hubRecords(db, project, q.get('where') ?? '', NEWEST)
      return html(hubPage(project, base, result))
    }
    if (rest === 'api/records') {
      const { result } = await hubRecords(db, project, q.get('where') ?? '', NEWEST)
      return json(hubPageData(project, result))
    }
    if (rest === 'api/compare') {
      const [a, b] = sides(q)
      return json((await hubCompare(db, project, a, b, compareOptions(q))).result)
    }
    const rec = /^r\/([^/]+)(?:\/files\/(.+))?$/.exec(rest)
    if (rec) {
      if (rec[2]) return fileReply(project, decodeURIComponent(rec[1]!), decodeURIComponent(rec[2]))
      const { result } = await hubFind(db, project, decodeURIComponent(rec[1]!))
      return html(recordPage(project, base, `${scheme}://${req.headers.host}/${project}`, result))
    }
    throw new HttpError(404, 'USAGE', `no such page: ${url.pathname}`)
  }

  async function login(req: http.IncomingMessage, url: URL): Promise<Reply> {
    if (req.method !== 'POST') {
      // the reason is one of the hub's own sentences: a link cannot put words of its own on this page
      const asked = url.searchParams.get('project') ?? ''
      const project = PROJECT.test(asked) ? asked : undefined
      const reason = SIGN_IN_REASONS[url.searchParams.get('reason') ?? '']
      return html(loginPage({ project, problem: project && reason?.(project) }))
    }
    const chunks: Buffer[] = []
    for await (const c of req as AsyncIterable<Buffer>) {
      chunks.push(c)
      if (chunks.reduce((n, x) => n + x.length, 0) > 4096) throw invalid('a login form is small')
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
    const token = form.get('token') ?? ''
    const project = form.get('project') ?? ''
    if (!PROJECT.test(project)) throw invalid('name a project')
    req.headers.authorization = `Bearer ${token}`
    try {
      await authorize(req, project, 'read')
    } catch (e) {
      // a wrong token typed into the form: the form again, saying why
      if (!(e instanceof HttpError && e.code === 'HUB_UNAUTHORIZED' && wantsPage(req))) throw e
      return { ...html(loginPage({ project, problem: e.message })), status: e.status }
    }
    const secure = opts.tls ? '; Secure' : ''
    return {
      status: 303,
      body: '',
      headers: { location: `/p/${project}/`, 'set-cookie': `cmc_hub_token=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/${secure}` },
    }
  }

  async function route(req: http.IncomingMessage, url: URL): Promise<Reply> {
    const path = url.pathname
    if (path === '/api/v1/health') return json({ ok: true })
    if (path === '/' || path === '/login') return login(req, url)
    const m = /^\/(api\/v1\/projects|p)\/([^/]+)\/(.*)$/.exec(path)
    if (!m) throw new HttpError(404, 'USAGE', `no such page: ${path}`)
    const project = decodeURIComponent(m[2]!)
    if (!PROJECT.test(project)) throw invalid(`${JSON.stringify(project)} is not a project name`)
    return m[1] === 'p' ? ui(req, url, project, m[3]!) : api(req, url, project, m[3]!)
  }

  // the hub's own log says why its database is away, once a while rather than once a request
  let dbAwaySaidAt = 0
  const dbAwayNoticed = (why: string) => {
    if (Date.now() - dbAwaySaidAt < 10_000) return
    dbAwaySaidAt = Date.now()
    events?.({ type: 'log', level: 'warn', message: `requests get 503 while the database is away: ${why}` })
  }

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const started = Date.now()
    const reply = (r: Reply) => {
      if (res.headersSent) return
      res.writeHead(r.status ?? 200, {
        'content-type': r.type ?? 'application/json',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        ...r.headers,
      })
      res.end(r.body)
    }
    const fail = (e: unknown) => {
      const dbAway = e instanceof CmcError ? e.code === 'HUB_DB_UNREACHABLE' : isDbUnavailable(e)
      if (dbAway) dbAwayNoticed((e as Error).message)
      // a client is told that the database is away, never its address, user or the driver's words: those go to the hub's log
      const err = dbAway
        ? new CmcError('HUB_DB_UNREACHABLE', "the hub's database (PostgreSQL) does not answer: it is down or restarting", {
            hint: "the hub serves again once its database is back: try again later, and if it lasts, tell the hub's admin",
          })
        : e instanceof CmcError
          ? e
          : new CmcError('INTERNAL', (e as Error).message)
      const status = statusOf(err)
      const retry = (err as { retryAfter?: number }).retryAfter ?? (status === 503 ? 2 : undefined)
      reply({ ...json(err.toJSON(), status), headers: retry ? { 'retry-after': String(retry) } : undefined })
      // a body refused part way is not read on: the connection is closed once the answer is out
      if (status === 413) res.once('finish', () => req.destroy())
      if (status >= 500 && err.code === 'INTERNAL') events?.({ type: 'log', level: 'warn', message: `${req.method} ${req.url?.split('?')[0]}: ${err.message}` })
    }
    const refused = guard(req)
    if (refused) return fail(refused)
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://hub')
    } catch {
      return fail(invalid('the request URL cannot be read'))
    }
    route(req, url)
      .then(reply, fail)
      .finally(() => {
        events?.({ type: 'log', level: 'debug', message: `${req.method} ${url.pathname} ${res.statusCode} ${Date.now() - started} ms` })
      })
  }

  const server = tlsPair ? https.createServer(tlsPair, handler) : http.createServer(handler)
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new CmcError('LISTEN_FAILED', `the hub cannot listen on ${opts.host}:${opts.port}: ${err.message}`, {
          hint: 'pick another --listen HOST:PORT',
          cause: err,
        }),
      ),
    )
    server.listen(opts.port, opts.host, () => resolve())
  })
  port = (server.address() as { port: number }).port
  const shown = opts.host.includes(':') ? `[${opts.host}]` : opts.host
  return {
    url: `${scheme}://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${port}`,
    close: () =>
      new Promise((r) => {
        server.close(() => r())
        server.closeAllConnections()
      }),
  }
}
