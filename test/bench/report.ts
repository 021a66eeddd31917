/** Shared printing for benchmarks: one line per measurement and the ratio against the baseline. */
export interface Measurement {
  readonly label: string;
  readonly items: number;
  readonly bytes?: number;
  readonly seconds: number;
}

export function rate(m: Measurement): { perSecond: number; mbPerSecond: number | null } {
  return {
    perSecond: m.items / m.seconds,
    mbPerSecond: m.bytes === undefined ? null : m.bytes / 1e6 / m.seconds,
  };
}

export function printMeasurement(m: Measurement, unit = 'records'): void {
  const r = rate(m);
  const mb = r.mbPerSecond === null ? '' : `  ${r.mbPerSecond.toFixed(1)} MB/s`;
  console.log(
    `${m.label.padEnd(34)} ${Math.round(r.perSecond).toLocaleString('en-US').padStart(12)} ${unit}/s${mb}  (${m.items} in ${m.seconds.toFixed(2)} s)`,
  );
}

export function printRatio(label: string, seam: Measurement, baseline: Measurement, goal?: number): void {
  const ratio = rate(seam).perSecond / rate(baseline).perSecond;
  const verdict =
    goal === undefined ? '' : ratio >= goal ? `  (goal ≥ ${goal}: met)` : `  (goal ≥ ${goal}: NOT met)`;
  console.log(`${label.padEnd(34)} ratio ${ratio.toFixed(2)}${verdict}`);
}

export async function timed<T>(fn: () => Promise<T> | T): Promise<{ result: T; seconds: number }> {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { result, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/**
 * A log's ceiling (Seam's records written with the log's raw library, log-ceiling.ts) against the raw
 * baseline: below the goal, no source writing these records into this log can meet it. `scope` says
 * which writes the ceiling stands for.
 */
export function printCeilingRatio(
  label: string,
  ceiling: Measurement,
  baseline: Measurement,
  goal: number,
): void {
  const ratio = rate(ceiling).perSecond / rate(baseline).perSecond;
  const verdict =
    ratio >= goal
      ? `(goal ≥ ${goal}: within the log's reach)`
      : `(goal ≥ ${goal}: out of reach for any source on this log)`;
  console.log(`${label.padEnd(34)} ratio ${ratio.toFixed(2)}  ${verdict}`);
}
