// What a compliance test's folder (TEST01, TEST04, ...) must hold for the
// submission checker of a round, and what the record's files lack of it.
// The checker decides which tests a benchmark needs; this module only knows
// what each test's folder holds once it is there:
//   TEST01: verify_accuracy.txt, verify_performance.txt, performance/run_1/ (the
//     logs) and, up to v5.1 always and from v6.0 when the deterministic check
//     did not pass, accuracy/ (mlperf_log_accuracy.json, accuracy.txt; and
//     baseline_accuracy.txt, compliance_accuracy.txt when it did not pass)
//   TEST04, TEST04-A, TEST05: verify_performance.txt and performance/run_1/;
//     TEST04-B (v1.x-v2.x): performance/run_1/
//   TEST06, TEST07, TEST08: verify_accuracy.txt; TEST09: verify_output_len.txt
import { compareRounds } from './rounds.js'

export const COMPLIANCE_TEST = /^TEST\d+(-[AB])?$/

const RUN = ['performance/run_1/mlperf_log_summary.txt', 'performance/run_1/mlperf_log_detail.txt']

/** Whether a verify_accuracy.txt says the test passed, as the checker reads it (a line TEST PASS). */
const passed = (text: string | undefined) => text !== undefined && text.split('\n').some((l) => l.trim() === 'TEST PASS')

/**
 * The files, relative to the test's folder, that the round's checker wants in
 * it; `verifyAccuracy` is its verify_accuracy.txt when there is one.
 */
export function complianceNeeds(test: string, round: string, verifyAccuracy?: string): string[] {
  switch (test) {
    case 'TEST01': {
      const pass = passed(verifyAccuracy)
      const accuracy = compareRounds(round, 'v6.0') < 0 || !pass ? ['accuracy/mlperf_log_accuracy.json', 'accuracy/accuracy.txt'] : []
      // a verify_accuracy.txt that is there and did not pass asks for the non-deterministic comparison's files
      const comparison = verifyAccuracy !== undefined && !pass ? ['accuracy/baseline_accuracy.txt', 'accuracy/compliance_accuracy.txt'] : []
      return ['verify_accuracy.txt', 'verify_performance.txt', ...RUN, ...accuracy, ...comparison]
    }
    case 'TEST04':
    case 'TEST04-A':
    case 'TEST05':
      return ['verify_performance.txt', ...RUN]
    case 'TEST04-B':
      return RUN
    case 'TEST06':
    case 'TEST07':
    case 'TEST08':
      return ['verify_accuracy.txt']
    case 'TEST09':
      return ['verify_output_len.txt']
    default:
      return []
  }
}

/** What of complianceNeeds the test's files (relative to its folder) do not hold. */
export function complianceMissing(test: string, round: string, files: ReadonlyMap<string, Buffer>): string[] {
  const verify = files.get('verify_accuracy.txt')?.toString('utf8')
  return complianceNeeds(test, round, verify).filter((f) => !files.has(f))
}
