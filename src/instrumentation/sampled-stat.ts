/**
 * Kafka's SampledStat in miniature: avg / max / min over the last two windows of `windowMs` (Kafka's
 * `metrics.sample.window.ms` = 30 s, `metrics.num.samples` = 2), so a spike ages out instead of staying
 * the max forever. Two fixed sample slots: recording allocates nothing. Empty → NaN, as Kafka reports.
 */
interface Sample {
  start: number;
  count: number;
  sum: number;
  max: number;
  min: number;
}

export class SampledStat {
  readonly #windowMs: number;
  readonly #samples: [Sample, Sample];
  #current = 0;

  constructor(windowMs = 30_000) {
    this.#windowMs = windowMs;
    this.#samples = [empty(0), empty(0)];
  }

  record(value: number, now = Date.now()): void {
    let s = this.#samples[this.#current]!;
    if (now - s.start >= this.#windowMs) {
      this.#current = 1 - this.#current;
      s = this.#samples[this.#current]!;
      s.start = now;
      s.count = 0;
      s.sum = 0;
      s.max = Number.NEGATIVE_INFINITY;
      s.min = Number.POSITIVE_INFINITY;
    }
    s.count++;
    s.sum += value;
    if (value > s.max) s.max = value;
    if (value < s.min) s.min = value;
  }

  avg(now = Date.now()): number {
    let count = 0;
    let sum = 0;
    for (const s of this.#live(now)) {
      count += s.count;
      sum += s.sum;
    }
    return count === 0 ? Number.NaN : sum / count;
  }

  max(now = Date.now()): number {
    let max = Number.NEGATIVE_INFINITY;
    for (const s of this.#live(now)) if (s.max > max) max = s.max;
    return max === Number.NEGATIVE_INFINITY ? Number.NaN : max;
  }

  min(now = Date.now()): number {
    let min = Number.POSITIVE_INFINITY;
    for (const s of this.#live(now)) if (s.min < min) min = s.min;
    return min === Number.POSITIVE_INFINITY ? Number.NaN : min;
  }

  #live(now: number): Sample[] {
    return this.#samples.filter((s) => s.count > 0 && now - s.start < 2 * this.#windowMs);
  }
}

function empty(start: number): Sample {
  return { start, count: 0, sum: 0, max: Number.NEGATIVE_INFINITY, min: Number.POSITIVE_INFINITY };
}
