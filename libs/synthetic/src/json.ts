/**
 * A deep copy of JSON data that shares no object with the original, without undefined members.
 * Faster than structuredClone or a JSON round trip, which matters when generating a population.
 */
export function copyJson<T>(value: T): T {
  return copyValue(value) as T;
}

function copyValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyValue);
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) if (member !== undefined) copy[key] = copyValue(member);
  return copy;
}
