import { type Schema, Schemas } from '../../src/api/index.ts';

/**
 * Infers a typed value from a literal the way Kafka's `Values.parseString` does for scalars: booleans,
 * the smallest integer type that holds the number, float32/float64, else a string. (Kafka also parses
 * JSON-like arrays, maps and ISO dates; those stay strings here.)
 */
export function parseLiteral(text: string): { value: unknown; schema: Schema } {
  const t = text.trim();
  if (t === '') return { value: text, schema: Schemas.STRING };
  if (/^(true|false)$/i.test(t)) return { value: t.toLowerCase() === 'true', schema: Schemas.BOOLEAN };
  if (/^[+-]?\d+$/.test(t)) {
    const big = BigInt(t);
    if (big >= -128n && big <= 127n) return { value: Number(big), schema: Schemas.INT8 };
    if (big >= -32768n && big <= 32767n) return { value: Number(big), schema: Schemas.INT16 };
    if (big >= -(2n ** 31n) && big < 2n ** 31n) return { value: Number(big), schema: Schemas.INT32 };
    if (big >= -(2n ** 63n) && big < 2n ** 63n) {
      return {
        value:
          big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
            ? Number(big)
            : big,
        schema: Schemas.INT64,
      };
    }
    return { value: text, schema: Schemas.STRING };
  }
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
    const n = Number(t);
    if (Number.isFinite(n))
      return { value: n, schema: Math.fround(n) === n ? Schemas.FLOAT32 : Schemas.FLOAT64 };
  }
  return { value: text, schema: Schemas.STRING };
}
