// The artifact kinds, apart from the TypeBox schema (src/meta/schema.ts) so the
// commands that only list or filter by kind do not load TypeBox at start.
export type Kind = 'component' | 'image' | 'benchmark' | 'platform'
export const KINDS: Kind[] = ['component', 'image', 'benchmark', 'platform']
