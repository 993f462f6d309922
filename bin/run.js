#!/usr/bin/env node
// Entry point of the `cmc` CLI. oclif reads the command manifest so only the
// invoked command's module is loaded (keeps `cmc find` start-up short).
import { execute } from '@oclif/core'

await execute({ dir: import.meta.url })
