/**
 * A deep copy of plain JSON-shaped data (objects, arrays, strings, numbers,
 * booleans, null). The dispatch picture hands out copies so no caller can change
 * it behind the reducers' back; its records are plain data, and this copies
 * them many times faster than structuredClone, which serialises every value
 * (the reload snapshot copies thousands of units and incidents, and every
 * position update copies its unit).
 */
export function plainCopy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plainCopy) as T;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = plainCopy((value as Record<string, unknown>)[key]);
  return copy as T;
}
