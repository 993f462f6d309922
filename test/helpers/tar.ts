// The entries of a tar stream, each header with its body as text.
import { extract, type Header } from 'tar-stream'

export async function tarEntries(tar: { pipe(to: NodeJS.WritableStream): unknown }): Promise<Array<{ header: Header; body: string }>> {
  const out: Array<{ header: Header; body: string }> = []
  const ex = extract()
  ex.on('entry', (header, stream, next) => {
    let body = ''
    stream.on('data', (d: unknown) => (body += String(d)))
    stream.on('end', () => {
      out.push({ header, body })
      next()
    })
  })
  const done = new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve)
    ex.on('error', reject)
  })
  tar.pipe(ex)
  await done
  return out
}
