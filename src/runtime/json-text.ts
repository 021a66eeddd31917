/**
 * JSON text of source partitions and offsets. Partitions are map keys in offset stores, so their text
 * must not depend on property order: keys are sorted. int64 values above 2^53 are bigints in Connect
 * data; they are written as plain JSON numbers and read back as bigints (Node's JSON source access).
 */
// JSON.rawJSON is in Node 24 but not yet in TypeScript's es2024 lib.
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), (_key, v) => (typeof v === 'bigint' ? rawJSON(v.toString()) : v));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
  return out;
}

export function parseJson(text: string): unknown {
  return JSON.parse(text, (_key, value, context?: { source?: string }) =>
    typeof value === 'number' &&
    !Number.isSafeInteger(value) &&
    context?.source !== undefined &&
    /^-?\d+$/.test(context.source)
      ? BigInt(context.source)
      : value,
  );
}
