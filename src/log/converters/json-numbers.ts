import { type DecimalValue, decimalToString } from '../../api/index.ts';

/**
 * Number text as Kafka's JsonConverter (Jackson) writes it, and exact int64 / decimal parsing.
 *
 * Why Java formatting for doubles: a float64 of 1 must be written `1.0`, not `1`, or a schemaless reader
 * (Kafka's or ours) takes it for an int64. Jackson writes NaN and ±Infinity as strings.
 */

export function formatDouble(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"';
  if (!Number.isInteger(v)) return String(v);
  if (Object.is(v, -0)) return '-0.0';
  if (Math.abs(v) < 1e7) return `${v}.0`;
  // Java's Double.toString switches to computerized scientific notation at 10^7: 1.2345678E7.
  const exp = v.toExponential();
  const at = exp.indexOf('e');
  const mantissa = exp.slice(0, at);
  const power = exp.slice(at + 1);
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${power.startsWith('+') ? power.slice(1) : power}`;
}

/** Like Java's Float.toString: the shortest text that reads back as the same float32. */
export function formatFloat(v: number): string {
  const f = Math.fround(v);
  if (!Number.isFinite(f) || Number.isInteger(f)) return formatDouble(f);
  if (v !== f) {
    // A double such as 12.34 given for a float32 field: its own text is already a valid float32 spelling.
    const s = String(v);
    if (s.length <= 10) return s;
  }
  for (let p = 1; p < 10; p++) {
    const t = Number(f.toPrecision(p));
    if (Math.fround(t) === f) return String(t);
  }
  return String(f);
}

/** Plain decimal text (no exponent) of a Decimal value, as Jackson writes BigDecimal with NUMERIC format. */
export function formatDecimal(d: DecimalValue): string {
  return decimalToString(d);
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * A non-integer JSON number whose text has more significant digits than a double keeps; only produced for
 * payloads whose schema has a Decimal, so that NUMERIC decimals are read exactly.
 */
export class RawNumber {
  readonly source: string;
  readonly value: number;
  constructor(source: string, value: number) {
    this.source = source;
    this.value = value;
  }
}

/**
 * When `JSON.parse` without a reviver is exact. An integer literal beyond 2^53 (9007199254740992) has 17
 * digits, or 16 starting with 9; without such a run the reviver would change nothing. A 16-digit
 * microsecond timestamp (1.7e15) stays on the fast path. A decimal literal needs exact handling only with
 * 16 or more significant digits, i.e. a run of at least 17 digits and dots.
 * One pass over the text (a loop is much cheaper here than a regular expression with alternatives).
 */
const UNSAFE_INT = 1;
const LONG_DECIMAL = 2;

/** Bit set of UNSAFE_INT and LONG_DECIMAL. */
function longRuns(text: string): number {
  let digits = 0;
  let chars = 0;
  let first = 0;
  let found = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digits === 0) first = c;
      digits++;
      chars++;
      if (digits >= 17 || (digits === 16 && first === 0x39)) found |= UNSAFE_INT;
      if (chars >= 17) found |= LONG_DECIMAL;
    } else if (c === 0x2e) {
      digits = 0;
      chars++;
    } else {
      digits = 0;
      chars = 0;
    }
  }
  return found;
}

function hasLongDecimal(source: string): boolean {
  return (longRuns(source) & LONG_DECIMAL) !== 0;
}

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

const reviveInt64: Reviver = (_key, value, context) => {
  if (
    typeof value === 'number' &&
    !Number.isSafeInteger(value) &&
    context?.source &&
    INTEGER.test(context.source)
  ) {
    return BigInt(context.source);
  }
  return value;
};

const reviveExact: Reviver = (_key, value, context) => {
  if (typeof value !== 'number' || !context?.source) return value;
  const source = context.source;
  if (INTEGER.test(source)) return Number.isSafeInteger(value) ? value : BigInt(source);
  return hasLongDecimal(source) ? new RawNumber(source, value) : value;
};

/** JSON.parse that keeps int64 above 2^53 as bigint; with `exactDecimals`, long non-integers as RawNumber. */
export function parseJson(text: string, exactDecimals = false): unknown {
  const runs = longRuns(text);
  if (exactDecimals && runs !== 0) return JSON.parse(text, reviveExact as never);
  if ((runs & UNSAFE_INT) !== 0) return JSON.parse(text, reviveInt64 as never);
  return JSON.parse(text);
}

/** Parses decimal text (plain or with exponent) at its own scale, or at `scale` when that is larger. */
export function parseDecimal(text: string, scale?: number): DecimalValue | null {
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const frac = m[3] ?? '';
  let unscaled = BigInt((m[2] || '0') + frac);
  let own = frac.length - Number(m[4] ?? 0);
  if (own < 0) {
    unscaled *= 10n ** BigInt(-own);
    own = 0;
  }
  if (scale !== undefined && scale > own) {
    unscaled *= 10n ** BigInt(scale - own);
    own = scale;
  }
  return { unscaled: m[1] === '-' ? -unscaled : unscaled, scale: own };
}
