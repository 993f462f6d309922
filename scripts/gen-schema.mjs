// Writes schema/cmc.schema.json from the TypeBox schema in src/meta/schema.ts
// (compiled to dist/). Run by `npm run build`; the output is committed so
// editors can point at it without building.
import { mkdirSync, writeFileSync } from 'node:fs'
import { ArtifactMeta, RepoMeta } from '../dist/meta/schema.js'

const root = new URL('../schema/', import.meta.url)
mkdirSync(root, { recursive: true })
const withHeader = (schema, id, title) => ({ $schema: 'http://json-schema.org/draft-07/schema#', $id: id, title, ...schema })
writeFileSync(new URL('cmc.schema.json', root), JSON.stringify(withHeader(ArtifactMeta, 'cmc.schema.json', 'cmc artifact meta (format 1)'), null, 2) + '\n')
writeFileSync(new URL('cmc-repo.schema.json', root), JSON.stringify(withHeader(RepoMeta, 'cmc-repo.schema.json', 'cmc repository meta'), null, 2) + '\n')
