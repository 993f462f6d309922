// The MLPerf scenarios, apart from the LoadGen parser: the meta's loading
// checks a declared scenario by name, and a record's index line reads the
// scenario it stands for, and neither needs anything else of LoadGen.
import type { LoadgenFacts } from './parseLoadgen.js'

/** The MLPerf scenarios, as a submission's folders and the query language name them. */
export const SCENARIO_NAMES = ['SingleStream', 'MultiStream', 'Server', 'Offline', 'Interactive']

/** Whether logs of this scenario stand for that one: itself, or Interactive, which LoadGen runs as a Server test and logs as Server. */
export const loggedAs = (logged: string | undefined, scenario: string) => logged === scenario || (scenario === 'Interactive' && logged === 'Server')

/** The scenario a run's LoadGen facts stand for: the one declared where the logs say another, else the logs'. */
export const scenarioOfFacts = (facts: Pick<LoadgenFacts, 'scenario' | 'declaredScenario'> | undefined) => facts?.declaredScenario ?? facts?.scenario
