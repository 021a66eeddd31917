/**
 * Parses PostgreSQL's text forms of dates and times (DateStyle ISO, TimeZone UTC, IntervalStyle
 * iso_8601, as every Seam connection sets them) into epoch-based integers, without Date objects, so
 * microseconds survive and years before 1970 or after 9999 stay exact. ±infinity maps to the extreme
 * values Debezium uses (Long.MAX/MIN for timestamps, Integer.MAX/MIN for dates are not portable here,
 * so we use the safe-integer bounds and document it).
 */

const US_PER_DAY = 86_400_000_000n;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: era * 400 + yoe + (month <= 2 ? 1 : 0), month, day };
}

export const POSITIVE_INFINITY_US = BigInt(Number.MAX_SAFE_INTEGER);
export const NEGATIVE_INFINITY_US = BigInt(Number.MIN_SAFE_INTEGER);

/** `2024-02-29` or `0044-03-15 BC` → days since epoch. */
export function parseDate(text: string): number {
  if (text === 'infinity') return Number.MAX_SAFE_INTEGER;
  if (text === '-infinity') return Number.MIN_SAFE_INTEGER;
  const m = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/.exec(text);
  if (!m) throw new RangeError(`not a date: '${text}'`);
  const year = m[4] ? 1 - Number(m[1]) : Number(m[1]);
  return daysFromCivil(year, Number(m[2]), Number(m[3]));
}

/** `13:45:01.123456` → microseconds since midnight (24:00:00 allowed, as PostgreSQL does). */
export function parseTime(text: string): bigint {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) throw new RangeError(`not a time: '${text}'`);
  const fraction = BigInt((m[4] ?? '').padEnd(6, '0'));
  return ((BigInt(m[1]!) * 60n + BigInt(m[2]!)) * 60n + BigInt(m[3]!)) * 1_000_000n + fraction;
}

/** Splits a trailing UTC offset (`+05:30`, `-08`, `+00`) into seconds east of UTC. */
function splitOffset(text: string): { rest: string; offsetSeconds: number } {
  const m = /^(.*?)([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(text);
  if (!m) throw new RangeError(`no UTC offset in '${text}'`);
  const seconds = Number(m[3]) * 3600 + Number(m[4] ?? 0) * 60 + Number(m[5] ?? 0);
  return { rest: m[1]!, offsetSeconds: m[2] === '-' ? -seconds : seconds };
}

/** `2024-01-02 03:04:05.123456[ BC]` (no zone) → microseconds since epoch. */
export function parseTimestamp(text: string): bigint {
  if (text === 'infinity') return POSITIVE_INFINITY_US;
  if (text === '-infinity') return NEGATIVE_INFINITY_US;
  const bc = text.endsWith(' BC');
  const body = bc ? text.slice(0, -3) : text;
  const space = body.indexOf(' ');
  const date = body.slice(0, space) + (bc ? ' BC' : '');
  return BigInt(parseDate(date)) * US_PER_DAY + parseTime(body.slice(space + 1));
}

/** `2024-01-02 03:04:05.123456+00` → microseconds since epoch (UTC). */
export function parseTimestampTz(text: string): bigint {
  if (text === 'infinity') return POSITIVE_INFINITY_US;
  if (text === '-infinity') return NEGATIVE_INFINITY_US;
  const bc = text.endsWith(' BC');
  const { rest, offsetSeconds } = splitOffset(bc ? text.slice(0, -3) : text);
  return parseTimestamp(rest + (bc ? ' BC' : '')) - BigInt(offsetSeconds) * 1_000_000n;
}

/** `13:45:01.5+02` → microseconds since midnight UTC (wrapping within the day) . */
export function parseTimeTz(text: string): bigint {
  const { rest, offsetSeconds } = splitOffset(text);
  const us = parseTime(rest) - BigInt(offsetSeconds) * 1_000_000n;
  return ((us % US_PER_DAY) + US_PER_DAY) % US_PER_DAY;
}

/** Java's ISO formatters print the fraction without trailing zeros (appendFraction(NANO, 0, 9)). */
function fraction(us: bigint): string {
  if (us === 0n) return '';
  return `.${us.toString().padStart(6, '0').replace(/0+$/, '')}`;
}

function pad(n: number | bigint, width = 2): string {
  return n.toString().padStart(width, '0');
}

/** Microseconds since midnight → `HH:MM:SS[.ffffff]`. */
export function formatTime(us: bigint): string {
  const s = us / 1_000_000n;
  return `${pad(s / 3600n)}:${pad((s / 60n) % 60n)}:${pad(s % 60n)}${fraction(us % 1_000_000n)}`;
}

export function formatDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  const y = year < 0 ? `-${pad(-year, 4)}` : year > 9999 ? `+${year}` : pad(year, 4);
  return `${y}-${pad(month)}-${pad(day)}`;
}

/** Microseconds since epoch → `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` (Debezium's ZonedTimestamp, UTC). */
export function formatInstant(us: bigint): string {
  const days = us >= 0n ? us / US_PER_DAY : -((-us + US_PER_DAY - 1n) / US_PER_DAY);
  return `${formatDate(Number(days))}T${formatTime(us - days * US_PER_DAY)}Z`;
}

/**
 * A `timestamptz` text → Debezium's ZonedTimestamp. PostgreSQL prints a UTC timestamp with a four-digit
 * year as `YYYY-MM-DD HH:MM:SS[.ffffff]+00`, its fraction already without trailing zeros, which is the
 * ISO text with `T` and `Z` in place of the space and the offset: no parse, no arithmetic. Anything else
 * (another offset, BC, a year past 9999, infinity) takes the exact path.
 */
export function zonedTimestamp(text: string): string {
  if (ISO_SHAPE.test(text)) return `${text.slice(0, 10)}T${text.slice(11, text.length - 3)}Z`;
  return formatInstant(parseTimestampTz(text));
}

/** The fast path's full check: digits and separators where PostgreSQL puts them, no trailing zero. */
const ISO_SHAPE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{0,5}[1-9])?\+00$/;

export interface IntervalParts {
  readonly years: number;
  readonly months: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
}

/** ISO 8601 interval as PostgreSQL prints it with IntervalStyle iso_8601 (`P1Y-2M3DT4H5M-6.5S`). */
export function parseInterval(text: string): IntervalParts {
  const m =
    /^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?\d+(?:\.\d+)?)S)?)?$/.exec(
      text,
    );
  if (!m) throw new RangeError(`not an ISO 8601 interval: '${text}'`);
  const n = (i: number) => Number(m[i] ?? 0);
  return { years: n(1), months: n(2), days: n(3), hours: n(4), minutes: n(5), seconds: n(6) };
}

/** PostgreSQL's average month (365.25 / 12 days), as Debezium's MicroDuration uses for this connector. */
const DAYS_PER_MONTH_AVG = 365.25 / 12;

/** Debezium's MicroDuration.durationMicros: double arithmetic, truncated to a long. */
export function intervalMicros(p: IntervalParts): number {
  const days = (p.years * 12 + p.months) * DAYS_PER_MONTH_AVG + p.days;
  const seconds = ((days * 24 + p.hours) * 60 + p.minutes) * 60 + p.seconds;
  return Math.trunc(seconds * 1_000_000);
}

/** Debezium's Interval.toIsoString: every component, seconds without trailing zeros. */
export function intervalIso(p: IntervalParts): string {
  return `P${p.years}Y${p.months}M${p.days}DT${p.hours}H${p.minutes}M${p.seconds}S`;
}
