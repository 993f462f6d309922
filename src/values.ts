// Type guards for values read from JSON and YAML, whose shape is the user's.

/** A mapping (a JSON object, a YAML map): not null, not an array. */
export const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
