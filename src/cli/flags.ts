// Flags shared by several commands, and the oclif flags and args of the commands
// declared as plain data in src/cli/spec.ts.
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import type { ArgInput, FlagInput } from '@oclif/core/interfaces'
import { platformSpec, repoSpec, storeSpec, type ArgSpec, type FlagSpec } from './spec.js'

export function oclifFlag(f: FlagSpec) {
  const common = { description: f.description, ...(f.char ? { char: f.char as 'a' } : {}), ...(f.exclusive ? { exclusive: [...f.exclusive] } : {}) }
  if (f.kind === 'boolean') return Flags.boolean({ ...common, default: f.default === true })
  if (f.kind === 'integer') {
    return Flags.integer({ ...common, ...(f.min !== undefined ? { min: f.min } : {}), ...(typeof f.default === 'number' ? { default: f.default } : {}) })
  }
  const options = f.options ? { options: [...f.options] } : {}
  if (f.multiple) return Flags.string({ ...common, ...options, multiple: true })
  return Flags.string({ ...common, ...options, ...(typeof f.default === 'string' ? { default: f.default } : {}) })
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- values are read through the spec's types
export function oclifFlags(specs: Record<string, FlagSpec>): FlagInput<any> {
  return Object.fromEntries(Object.entries(specs).map(([name, f]) => [name, oclifFlag(f)]))
}

export function oclifArgs(specs: readonly ArgSpec[] = []): ArgInput {
  return Object.fromEntries(specs.map((a) => [a.name, Args.string({ description: a.description, required: a.required ?? false })]))
}

export const repoFlag = Flags.string({ char: 'r', multiple: true, description: repoSpec.description })
export const platformFlag = Flags.string({ char: 'p', description: platformSpec.description })
export const storeFlag = Flags.string({ description: storeSpec.description })
