// The artifact kinds, apart from the TypeBox schema (src/meta/schema.ts) so the
// commands that only list or filter by kind do not load TypeBox at start; the
// schema's kind literals are checked against this list where they are declared.
export const KINDS = ['component', 'image', 'benchmark', 'platform'] as const
export type Kind = (typeof KINDS)[number]
