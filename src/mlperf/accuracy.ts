// accuracy.txt as submissions write it: the accuracy script's last words,
// in many forms ({"accuracy": 76.456, "good": 38228}, mAP=37.572%,
// {'rouge1': 44.43, 'rougeL': 28.6}). Every `name: number` or `name=number`
// becomes a metric; the first of them is the headline, as the checker reads
// the first value its pattern for the benchmark finds.

export interface Accuracy {
  /** the values as one line, e.g. "accuracy: 76.456  good: 38228" */
  text: string
  metrics: Record<string, number>
  units: Record<string, string>
  headline?: string
}

const PAIR = /["']?([A-Za-z][\w-]{0,40})["']?\s*[:=]\s*([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*(%?)/g

export function parseAccuracy(text: string): Accuracy {
  const metrics: Record<string, number> = {}
  const units: Record<string, string> = {}
  const shown: string[] = []
  // the last lines hold the result; earlier ones are the script's progress
  const tail = text.split('\n').slice(-40).join('\n')
  for (const m of tail.matchAll(PAIR)) {
    const name = m[1]!.toLowerCase().replace(/-/g, '_')
    const value = Number(m[2])
    if (!Number.isFinite(value) || name in metrics) continue
    metrics[name] = value
    if (m[3]) units[name] = '%'
    shown.push(`${m[1]}: ${m[2]}${m[3]}`)
  }
  const names = Object.keys(metrics)
  return { text: shown.join('  '), metrics, units, ...(names.length ? { headline: names[0] } : {}) }
}
