/**
 * Time-zone offsets as java.time computes them, for Debezium's TimezoneConverter: `ZoneRules.getOffset`
 * of an instant and of a local date-time (a wall-clock time whose offset is ambiguous in a DST overlap and
 * missing in a gap; java.time then takes the offset from before the transition).
 */

const FIXED = /^([+-])(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Whether `zone` is a `±hh:mm[:ss]` offset or a time-zone id known to this runtime. */
export function isKnownZone(zone: string): boolean {
  if (FIXED.test(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Offset in seconds of `zone` at the instant `ms` (epoch milliseconds). */
export function offsetAt(zone: string, ms: number): number {
  const fixed = FIXED.exec(zone);
  if (fixed) {
    const secs = Number(fixed[2]) * 3600 + Number(fixed[3]) * 60 + Number(fixed[4] ?? 0);
    return fixed[1] === '-' ? -secs : secs;
  }
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(ms))
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?/.exec(name ?? '');
  if (!m) return 0;
  const secs = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -secs : secs;
}

/** Offset in seconds of `zone` for the wall-clock time `wallMs` (a local date-time read as if UTC). */
export function offsetForLocal(zone: string, wallMs: number): number {
  const before = offsetAt(zone, wallMs - 86_400_000);
  const after = offsetAt(zone, wallMs + 86_400_000);
  if (before === after) return before;
  const validBefore = offsetAt(zone, wallMs - before * 1000) === before;
  const validAfter = offsetAt(zone, wallMs - after * 1000) === after;
  return validBefore || !validAfter ? before : after;
}

/** `±hh:mm[:ss]`, or `Z` for zero, as java.time's `appendOffsetId` prints an offset. */
export function formatOffset(secs: number): string {
  if (secs === 0) return 'Z';
  const abs = Math.abs(secs);
  const pad = (n: number) => String(n).padStart(2, '0');
  const s = abs % 60;
  return `${secs < 0 ? '-' : '+'}${pad(Math.floor(abs / 3600))}:${pad(Math.floor(abs / 60) % 60)}${s ? `:${pad(s)}` : ''}`;
}
