// A stopped container's outputs into the record, under safeExtract's rules,
// whichever way the engine can hand them over: its volume read in place, or
// the archive API's tar stream. The engine owns both ways of reading; this
// module owns which one is taken and what becomes of a failure.
import { rmSync } from 'node:fs'
import type { ContainerOutputs } from '../engine/run.js'
import { CmcError } from '../errors.js'
import { OutputsWriteError, safeCopy, safeExtract, type ExtractLimits, type ExtractResult } from './safeExtract.js'

export interface CollectedOutputs extends ExtractResult {
  via: 'volume' | 'archive'
}

/**
 * The outputs into `dest`. Read in place from the outputs volume when it is on
 * this machine (no engine round trip: dockerd 20.10's archive API re-executes
 * itself for a chrooted tar); else, or when reading it here fails (a file of
 * another uid), through the archive API. undefined when the folder is absent.
 */
export async function collectOutputs(
  outputs: ContainerOutputs,
  dest: string,
  limits: Omit<ExtractLimits, 'stripFirst'>,
): Promise<CollectedOutputs | undefined> {
  const local = await outputs.volumeDir()
  if (local) {
    const copied = await copyInPlace(local, dest, limits)
    if (copied) return { ...copied, via: 'volume' }
  }
  const tar = await outputs.archive()
  if (!tar) return undefined
  try {
    return { ...(await safeExtract(tar, dest, { ...limits, stripFirst: true })), via: 'archive' }
  } catch (e) {
    throw e instanceof OutputsWriteError ? writeFailed(e, dest) : e
  }
}

/** The volume copied from where it lies; undefined when it cannot be read here (dest is emptied for the archive). */
async function copyInPlace(local: string, dest: string, limits: Omit<ExtractLimits, 'stripFirst'>): Promise<ExtractResult | undefined> {
  try {
    return await safeCopy(local, dest, limits)
  } catch (e) {
    // writing the record failed: the archive would fail the same way
    if (e instanceof OutputsWriteError) throw writeFailed(e, dest)
    // anything else is reading the volume here (a file of another uid, a name
    // too long for this process): start again from the engine's own copy
    rmSync(dest, { recursive: true, force: true })
    return undefined
  }
}

function writeFailed(e: OutputsWriteError, dest: string): CmcError {
  return new CmcError('OUTPUTS_NOT_WRITTEN', e.message, {
    details: [`into ${dest}`],
    hint: 'free space in the store (or point --store elsewhere) and run again; the run was not recorded',
  })
}
