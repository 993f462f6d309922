// The fast path moved to yamlFastPath.ts; this name stays for the modules that
// still import it from here.
export { fastParseYaml } from './yamlFastPath.js'
