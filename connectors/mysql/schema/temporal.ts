/**
 * MySQL temporal text (`YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.ffffff]`, `[-]HHH:MM:SS[.ffffff]`) as epoch
 * numbers. Both the binlog reader (dateStrings) and snapshot queries (dateStrings, session time zone
 * UTC) hand values over in this form, so one parser serves both paths and no precision passes through
 * a JavaScript Date (which keeps milliseconds only).
 */

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?$/;
const TIME = /^(-)?(\d{1,3}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

export interface DateTimeParts {
  /** Days since 1970-01-01. */
  readonly days: number;
  /** Microseconds since midnight. */
  readonly micros: number;
}

/** Null for MySQL's zero dates (`0000-00-00`, or any zero month or day), which no calendar holds. */
export function parseDateTime(text: string): DateTimeParts | null {
  const fast = canonical(text);
  if (fast !== undefined) return fast;
  const m = DATE_TIME.exec(text.trim());
  if (!m) throw new RangeError(`not a MySQL date/time: '${text}'`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month === 0 || day === 0) return null;
  const days = daysFromCivil(year, month, day);
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const s = Number(m[6] ?? 0);
  return { days, micros: ((h * 60 + mi) * 60 + s) * 1_000_000 + fractionMicros(m[7]) };
}

/**
 * The form both drivers write (`YYYY-MM-DD[ HH:MM:SS[.f…]]`, fixed widths) read digit by digit: every
 * DATETIME and TIMESTAMP of a row goes through here, and the regex costs more than the rest of the
 * conversion. Undefined for anything else, which the regex then reads (or rejects).
 */
function canonical(t: string): DateTimeParts | null | undefined {
  const n = t.length;
  if (n !== 10 && n !== 19 && (n < 21 || n > 29)) return undefined;
  if (t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45) return undefined;
  const year = digits(t, 0, 4);
  const month = digits(t, 5, 2);
  const day = digits(t, 8, 2);
  if (year < 0 || month < 0 || day < 0) return undefined;
  if (month === 0 || day === 0) return null;
  const days = daysFromCivil(year, month, day);
  if (n === 10) return { days, micros: 0 };
  if (t.charCodeAt(10) !== 32 || t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58) return undefined;
  const h = digits(t, 11, 2);
  const mi = digits(t, 14, 2);
  const sec = digits(t, 17, 2);
  if (h < 0 || mi < 0 || sec < 0) return undefined;
  let frac = 0;
  if (n > 19) {
    if (t.charCodeAt(19) !== 46) return undefined;
    const width = Math.min(n - 20, 6);
    const f = digits(t, 20, width);
    if (f < 0 || (n - 20 > 6 && digits(t, 26, n - 26) < 0)) return undefined;
    frac = f * 10 ** (6 - width);
  }
  return { days, micros: ((h * 60 + mi) * 60 + sec) * 1_000_000 + frac };
}

/** The decimal number of `len` digits at `at`, or −1 when one is not a digit. */
function digits(t: string, at: number, len: number): number {
  let v = 0;
  for (let i = at; i < at + len; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Days since 1970-01-01 of a proleptic Gregorian date, exact for every year (H. Hinnant's algorithm). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Signed microseconds of a TIME value (range −838:59:59 … 838:59:59). */
export function parseTimeMicros(text: string): number {
  const m = TIME.exec(text.trim());
  if (!m) throw new RangeError(`not a MySQL time: '${text}'`);
  const abs = ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1_000_000 + fractionMicros(m[5]);
  return m[1] ? -abs : abs;
}

function fractionMicros(digits: string | undefined): number {
  if (!digits) return 0;
  return Number(digits.slice(0, 6).padEnd(6, '0'));
}

/** `2018-06-20T13:37:03Z`, with the column's fractional digits when it has any (ZonedTimestamp). */
export function isoUtc(text: string, fsp: number): string | null {
  const m = DATE_TIME.exec(text.trim());
  if (!m || Number(m[2]) === 0 || Number(m[3]) === 0) return null;
  const base = `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}`;
  if (fsp <= 0) return `${base}Z`;
  return `${base}.${(m[7] ?? '').slice(0, fsp).padEnd(fsp, '0')}Z`;
}
