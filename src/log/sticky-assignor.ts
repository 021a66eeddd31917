/**
 * Cooperative-sticky assignment (Kafka's CooperativeStickyAssignor, KIP-429, in spirit): every member
 * keeps the partitions it owns as long as the group stays balanced, so a join or leave moves only the
 * partitions it must (docs/decisions/2026-12-02-log-consumer-groups.md). Pure: the coordinator feeds it
 * the members in join order and the partitions each may take.
 */

export interface AssignorMember {
  readonly id: string;
  /** Partition keys this member is subscribed to. */
  readonly eligible: ReadonlySet<string>;
  /** Partition keys it owns now (its previous assignment). */
  readonly owned: readonly string[];
}

/** member id → partition keys, balanced so that counts of members with equal subscriptions differ by ≤ 1. */
export function assignSticky(members: readonly AssignorMember[]): Map<string, string[]> {
  const result = new Map<string, string[]>();
  const taken = new Set<string>();
  for (const m of members) {
    const kept = m.owned.filter((p) => m.eligible.has(p) && !taken.has(p));
    for (const p of kept) taken.add(p);
    result.set(m.id, kept);
  }
  const all = new Set<string>();
  for (const m of members) for (const p of m.eligible) all.add(p);
  const eligibleFor = (p: string) => members.filter((m) => m.eligible.has(p));
  // Free partitions (new topics, members gone) go to the least loaded member that may take them.
  for (const p of [...all].sort(comparePartitionKeys)) {
    if (taken.has(p)) continue;
    const target = leastLoaded(eligibleFor(p), result);
    if (target) result.get(target.id)!.push(p);
    taken.add(p);
  }
  // Then move partitions off the most loaded members while that narrows the spread; each move lowers the
  // sum of squared counts, so this ends.
  for (let moved = true; moved; ) {
    moved = false;
    const order = [...result].sort((a, b) => b[1].length - a[1].length);
    for (const [id, parts] of order) {
      for (let i = parts.length - 1; i >= 0; i--) {
        const p = parts[i]!;
        const target = leastLoaded(eligibleFor(p), result);
        if (!target || target.id === id || result.get(target.id)!.length + 1 >= parts.length) continue;
        parts.splice(i, 1);
        result.get(target.id)!.push(p);
        moved = true;
        break;
      }
      if (moved) break;
    }
  }
  return result;
}

function leastLoaded(
  candidates: readonly AssignorMember[],
  result: ReadonlyMap<string, string[]>,
): AssignorMember | undefined {
  let best: AssignorMember | undefined;
  for (const m of candidates) if (!best || result.get(m.id)!.length < result.get(best.id)!.length) best = m;
  return best;
}

/** Topic, then partition number (keys are `${topic}-${partition}`). */
export function comparePartitionKeys(a: string, b: string): number {
  const ia = a.lastIndexOf('-');
  const ib = b.lastIndexOf('-');
  const ta = a.slice(0, ia);
  const tb = b.slice(0, ib);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return Number(a.slice(ia + 1)) - Number(b.slice(ib + 1));
}
