// Flags shared by several commands.
import * as Flags from '@oclif/core/flags'

export const repoFlag = Flags.string({
  char: 'r',
  multiple: true,
  description: 'extra artifact repository folder to use without registering it (repeatable; also CMC_REPOS=dir1:dir2)',
})

export const platformFlag = Flags.string({
  char: 'p',
  description: 'target platform profile: x86_64, arm64, cuda, rocm (default: the host\'s)',
})

export const storeFlag = Flags.string({
  description: 'experiment store folder (default: nearest .cmc/ walking up, else ~/.cmc/store)',
})
