import type { Difference } from './compare.ts';

/**
 * Every place where Seam's events differ from Debezium 3.6's on the differential workload, with the
 * reason. `deliberate`: Seam chose to differ. `not-yet-fixed`: a bug or gap to close. The suite fails on
 * a difference not listed here and on an entry that no longer matches anything (so the list stays true).
 * docs/debezium-differences.md is generated from this list (`npm run docs:debezium-differences`… see
 * test/integration/debezium/README.md).
 */
export interface KnownDifference {
  readonly id: string;
  readonly status: 'deliberate' | 'not-yet-fixed';
  /** Matched against Difference.path. */
  readonly path: RegExp;
  /** Matched against the topic; any topic when absent. */
  readonly topic?: RegExp;
  /** Only in these variants; all when absent. */
  readonly variants?: readonly string[];
  readonly reason: string;
}

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [];

export function isKnown(k: KnownDifference, d: Difference): boolean {
  return (
    k.path.test(d.path) &&
    (k.topic === undefined || k.topic.test(d.topic)) &&
    (k.variants === undefined || k.variants.includes(d.variant))
  );
}
