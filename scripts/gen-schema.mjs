// Writes schema/cmc.schema.json from the TypeBox schema in src/meta/schema.ts
// (compiled to dist/). Run by `npm run build`; the output is committed so
// editors can point at it without building.
// Also writes dist/meta/validators/: the Ajv validators of the same schemas as
// plain code, one <name>.gen.cjs module per schema, so cmc checks meta without
// loading TypeBox and Ajv or compiling the schemas at run time, and, last, the
// schemas' fingerprint (see src/meta/validate.ts).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { ArtifactMeta, RepoMeta } from '../dist/meta/schema.js'
import { schemaFingerprint, validatorModuleSources } from '../dist/meta/validatorsSource.js'

const root = new URL('../schema/', import.meta.url)
mkdirSync(root, { recursive: true })
const withHeader = (schema, id, title) => ({ $schema: 'http://json-schema.org/draft-07/schema#', $id: id, title, ...schema })
writeFileSync(new URL('cmc.schema.json', root), JSON.stringify(withHeader(ArtifactMeta, 'cmc.schema.json', 'cmc artifact meta (format 1)'), null, 2) + '\n')
writeFileSync(new URL('cmc-repo.schema.json', root), JSON.stringify(withHeader(RepoMeta, 'cmc-repo.schema.json', 'cmc repository meta'), null, 2) + '\n')

const validators = new URL('../dist/meta/validators/', import.meta.url)
mkdirSync(validators, { recursive: true })
const write = (name, text) => {
  const tmp = new URL(`${name}.${process.pid}.tmp`, validators)
  writeFileSync(tmp, text)
  renameSync(tmp, new URL(name, validators))
}
for (const [name, source] of Object.entries(validatorModuleSources())) write(`${name}.gen.cjs`, source)
write('fingerprint.txt', `${schemaFingerprint()}\n`)
