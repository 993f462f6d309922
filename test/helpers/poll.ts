// Waiting in tests without sleeping blind.

/** Polls until `ready` holds, for up to 60 s (the caller asserts what it waited for). */
export async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !ready(); i++) await new Promise((r) => setTimeout(r, 100))
}
