// The artifact meta format, version 1: one TypeBox schema is both the JSON
// Schema published in schema/cmc.schema.json (editors check cmc.yaml with it)
// and the source of the TypeScript types, so the two cannot drift.
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import type { Kind } from './kinds.js'

const Str = (description: string) => Type.String({ description })
const StrList = (description: string) => Type.Array(Type.String(), { description })
// A `files:` entry names something in the artifact's own folder: relative, and
// no `..` segment climbs out of it (nothing of the builder's machine outside
// the folder can be listed into an image). load.ts words this error.
const FolderPathList = (description: string) =>
  Type.Array(Type.String({ pattern: '^(?!/)(?!(.*/)?\\.\\.(/|$)).+$', description: "a path inside the artifact's folder: relative, without `..`" }), {
    description,
  })

/** Platform conditions: a dep, component or variation applies only where these match. */
export const When = Type.Object(
  {
    platform: Type.Optional(StrList('platform profile names (x86_64, arm64, cuda, rocm)')),
    arch: Type.Optional(StrList('CPU architectures (amd64, arm64)')),
    notPlatform: Type.Optional(StrList('platforms where this does not apply')),
  },
  { additionalProperties: false, description: 'conditions per target platform' },
)

/** A dependency is a tag query, e.g. "python,-dev" or "pytorch,_cpu" (`_x` selects variation x). */
export const DepObject = Type.Object(
  {
    tags: Str('tag query: comma-separated tags, -tag excludes, _name selects a variation'),
    version: Type.Optional(Str('semver range, e.g. ">=3.10 <3.13"')),
    when: Type.Optional(When),
    env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'env passed to this dependency' })),
    optional: Type.Optional(Type.Boolean({ description: 'skip silently when nothing matches' })),
  },
  { additionalProperties: false },
)
export const Dep = Type.Union([Type.String({ description: 'tag query' }), DepObject])

export const Install = Type.Object(
  {
    apt: Type.Optional(StrList('Debian/Ubuntu packages')),
    pip: Type.Optional(StrList('Python packages (needs a reachable index)')),
    run: Type.Optional(
      Type.Union([Type.String(), Type.Array(Type.String())], { description: 'shell commands; the artifact files are in the working directory' }),
    ),
    files: Type.Optional(FolderPathList('files of the artifact folder copied into the build (default: all)')),
    env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'env set for later steps and at run time' })),
  },
  { additionalProperties: false, description: 'how the component is installed in the build stage' },
)

export const Runtime = Type.Object(
  {
    apt: Type.Optional(StrList('packages the runtime stage needs')),
    copy: Type.Optional(StrList('paths copied from the build stage into the runtime stage')),
    env: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false, description: 'what the runtime stage keeps (hpccm runtime() idea)' },
)

/** How a component is provided when the build stage runs on the build host for another target arch. */
export const Cross = Type.Record(
  Type.Union([Type.Literal('amd64'), Type.Literal('arm64')]),
  Type.Object(
    {
      apt: Type.Optional(StrList('host packages that provide it for the target arch, e.g. gcc-aarch64-linux-gnu')),
      env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'e.g. CC: aarch64-linux-gnu-gcc' })),
    },
    { additionalProperties: false },
  ),
  {
    description:
      'per target arch: how to cross-build instead of installing under emulation; a plan cross-compiles only when every component installed in the build stage says how',
  },
)

export const Variation = Type.Object(
  {
    group: Type.Optional(Str('variations of one group exclude each other')),
    default: Type.Optional(Type.Boolean({ description: 'the default of its group' })),
    tags: Type.Optional(StrList('extra tags this variation provides')),
    deps: Type.Optional(Type.Array(Dep)),
    install: Type.Optional(Install),
    runtime: Type.Optional(Runtime),
    env: Type.Optional(Type.Record(Type.String(), Type.String())),
    version: Type.Optional(Str('the version this variation provides')),
    when: Type.Optional(When),
  },
  { additionalProperties: false },
)

const common = {
  format: Type.Optional(Type.Literal(1, { description: 'meta format version (1)' })),
  alias: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]*$', description: 'short unique name' }),
  uid: Type.Optional(Type.String({ pattern: '^[0-9a-f]{16}$', description: '16 hex digits (cmc add makes one)' })),
  name: Type.Optional(Str('human name')),
  description: Type.Optional(Str('what this is')),
  tags: Type.Optional(StrList('tags used by queries')),
  version: Type.Optional(Str('semver version')),
  env: Type.Optional(Type.Record(Type.String(), Type.String())),
}

export const Layer = Type.Union([Type.Literal('os'), Type.Literal('toolchain'), Type.Literal('library'), Type.Literal('app')], {
  description: 'cache layer order: os -> toolchain -> library -> app',
})

export const Component = Type.Object(
  {
    kind: Type.Literal('component'),
    ...common,
    layer: Type.Optional(Layer),
    deps: Type.Optional(Type.Array(Dep)),
    variations: Type.Optional(Type.Record(Type.String(), Variation)),
    install: Type.Optional(Install),
    runtime: Type.Optional(Runtime),
    cross: Type.Optional(Cross),
    when: Type.Optional(When),
  },
  { additionalProperties: false },
)

export const Image = Type.Object(
  {
    kind: Type.Literal('image'),
    ...common,
    platforms: Type.Optional(StrList('platforms this image targets')),
    components: Type.Array(Dep, { description: 'what goes into the image (tag queries)' }),
    base: Type.Optional(
      Type.Record(Type.String(), Type.Object({ build: Type.Optional(Type.String()), runtime: Type.Optional(Type.String()) }, { additionalProperties: false }), {
        description: 'per platform base image overrides',
      }),
    ),
    workdir: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)

export const Param = Type.Object(
  {
    default: Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
    values: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
    description: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)

export const MetricsSpec = Type.Object(
  {
    file: Type.Optional(Str('file under outputs.dir (json) or the LoadGen log folder')),
    format: Type.Union([Type.Literal('json'), Type.Literal('loadgen'), Type.Literal('regex')]),
    patterns: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'metric -> regex with one capture group (format: regex, over stdout)' })),
    higherIsBetter: Type.Optional(Type.Record(Type.String(), Type.Boolean())),
    units: Type.Optional(Type.Record(Type.String(), Type.String())),
    // which names are scenarios is checked where the meta loads (load.ts), with a did-you-mean
    scenario: Type.Optional(
      Str(
        'format: loadgen: the MLPerf scenario a run stands for where its logs say another (Interactive, which LoadGen runs as a Server test): SingleStream, MultiStream, Server, Offline or Interactive, or a template over the params, {{scenario}}',
      ),
    ),
  },
  { additionalProperties: false },
)

export const Benchmark = Type.Object(
  {
    kind: Type.Literal('benchmark'),
    ...common,
    image: Str('alias or tag query of the image it runs in'),
    files: Type.Optional(FolderPathList('files of the benchmark folder copied into the image (last layer)')),
    build: Type.Optional(
      Type.Object(
        {
          run: Type.Union([Type.String(), Type.Array(Type.String())]),
          artifacts: StrList('paths the build produces, copied into the runtime stage'),
          apt: Type.Optional(StrList('extra build-only packages')),
          cross: Type.Optional(Type.Boolean({ description: 'the build honours $CC (and friends), so it may run on the build host with a cross toolchain' })),
        },
        { additionalProperties: false, description: 'compile the benchmark in the build stage' },
      ),
    ),
    workdir: Type.Optional(Type.String()),
    command: Str('handlebars template; {{param}} is replaced by parameter values'),
    params: Type.Optional(Type.Record(Type.String(), Param)),
    inputs: Type.Optional(Type.Record(Type.String(), Type.Object({ path: Type.String(), mount: Type.String() }, { additionalProperties: false }))),
    outputs: Type.Optional(
      Type.Object(
        {
          dir: Type.Optional(Type.String({ pattern: '^/', description: 'absolute folder in the container, e.g. /cmc/out' })),
          metrics: Type.Optional(MetricsSpec),
          maxBytes: Type.Optional(Type.Number()),
          maxLogBytes: Type.Optional(
            Type.Integer({
              minimum: 1,
              description:
                'bytes kept of each of stdout.log and stderr.log: the first and last halves, with a marker where the middle was cut (default 64 MiB)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    devices: Type.Optional(
      Type.Object(
        {
          gpu: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('none'), Type.Number(), Type.String()])),
          paths: Type.Optional(StrList('device paths')),
        },
        { additionalProperties: false },
      ),
    ),
    secrets: Type.Optional(StrList('env names whose values are redacted in records')),
    repeat: Type.Optional(Type.Integer({ minimum: 1 })),
    warmup: Type.Optional(Type.Integer({ minimum: 0 })),
    timeout: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'seconds per container run (more than 0)' })),
  },
  { additionalProperties: false },
)

/** A platform profile (data under images/platforms): bases, docker platform, devices, variations. */
export const Platform = Type.Object(
  {
    kind: Type.Literal('platform'),
    ...common,
    arch: Type.Union([Type.Literal('amd64'), Type.Literal('arm64')]),
    dockerPlatform: Str('e.g. linux/amd64'),
    base: Type.Object({ build: Type.String(), runtime: Type.String() }, { additionalProperties: false }),
    fallbackBase: Type.Optional(
      Type.Object(
        { build: Type.String(), runtime: Type.String() },
        { additionalProperties: false, description: 'bases when the preferred ones cannot be had (e.g. a bootstrapped Debian)' },
      ),
    ),
    variations: Type.Optional(StrList('variations components take on this platform, e.g. [cuda]')),
    devices: Type.Optional(
      Type.Object(
        {
          gpu: Type.Optional(Type.Union([Type.Literal('nvidia'), Type.Literal('rocm'), Type.Literal('none')])),
          paths: Type.Optional(StrList('default device paths')),
          groups: Type.Optional(StrList('groups added to the container')),
        },
        { additionalProperties: false },
      ),
    ),
    crossCompile: Type.Optional(Type.Boolean({ description: 'build stages may run on the build host platform' })),
    packages: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'rename map for package names on this platform' })),
  },
  { additionalProperties: false },
)

export const ArtifactMeta = Type.Union([Component, Image, Benchmark, Platform], { description: 'cmc artifact meta (cmc.yaml)' })

export const RepoMeta = Type.Object(
  {
    // a repo is named on the command line (`cmc repo remove NAME`) and in queries: a word, as CM's repo aliases are
    name: Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]*$',
      description: 'letters, digits and . _ @ -, e.g. my-benchmarks or mlcommons@mlperf-automations',
    }),
    uid: Type.Optional(Type.String({ pattern: '^[0-9a-f]{16}$' })),
    description: Type.Optional(Type.String()),
    deps: Type.Optional(Type.Array(Type.Object({ name: Type.String(), url: Type.Optional(Type.String()) }, { additionalProperties: false }))),
  },
  { additionalProperties: false },
)

export type When = Static<typeof When>
export type DepObject = Static<typeof DepObject>
export type Dep = Static<typeof Dep>
export type Install = Static<typeof Install>
export type Runtime = Static<typeof Runtime>
export type Variation = Static<typeof Variation>
export type ComponentMeta = Static<typeof Component>
export type ImageMeta = Static<typeof Image>
export type BenchmarkMeta = Static<typeof Benchmark>
export type PlatformMeta = Static<typeof Platform>
export type ArtifactMeta = Static<typeof ArtifactMeta>
export type RepoMeta = Static<typeof RepoMeta>
export { KINDS, type Kind } from './kinds.js'
// the kinds the schema declares are the kinds kinds.ts lists, no more, no fewer
const kindsAgree: [ArtifactMeta['kind']] extends [Kind] ? ([Kind] extends [ArtifactMeta['kind']] ? true : never) : never = true
void kindsAgree
export const schemasByKind: Record<Kind, TSchema> = { component: Component, image: Image, benchmark: Benchmark, platform: Platform }
