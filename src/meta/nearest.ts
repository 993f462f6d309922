// "Did you mean …?" suggestions: candidates ordered by edit distance.

export function editDistance(a: string, b: string): number {
  if (a === b) return 0
  const prev = new Array<number>(b.length + 1)
  for (let j = 0; j <= b.length; j++) prev[j] = j
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = tmp
    }
  }
  return prev[b.length]
}

/** Up to `max` candidates close to `word` (distance <= max(2, len/2)), nearest first. */
export function nearest(word: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = Math.max(2, Math.floor(word.length / 2))
  const scored: Array<[string, number]> = []
  for (const c of new Set(candidates)) {
    // one is the start of the other (benchmarks / benchmark, echo / echo-metrics): near,
    // unless it is a mere letter or two ("c" is not what "compilr" meant)
    const prefix = (c.startsWith(word) || word.startsWith(c)) && Math.min(c.length, word.length) >= 3
    const d = prefix ? Math.min(1, editDistance(word, c)) : editDistance(word, c)
    if (d <= limit) scored.push([c, d])
  }
  scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]))
  return scored.slice(0, max).map(([c]) => c)
}
