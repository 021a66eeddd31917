/**
 * The leader's cooperative assignment of connectors (each with its tasks) to live workers, after
 * Kafka Connect's incremental cooperative assignor (KIP-415):
 * - a connector whose owner is alive stays where it is, unless balance needs it elsewhere, and then
 *   only the excess moves (a worker above its fair share gives up its newest connectors, never more);
 * - a connector whose owner vanished without leaving (crash, network loss) is held for that worker for
 *   `scheduled.rebalance.max.delay.ms` from when it was first missed, so a worker that restarts quickly
 *   gets its work back without a storm; after the delay it goes to the least loaded live workers;
 * - a worker that left gracefully (SIGTERM) gets no delay: its connectors move at once.
 * Pure and deterministic (sorted inputs), so every leader computes the same answer from the same view.
 */
export interface Assignment {
  /** Bumped on every change of `owners`. */
  readonly generation: number;
  /** connector → worker id. */
  readonly owners: Readonly<Record<string, string>>;
  /** worker id → when the leader first missed it (ms since epoch), while its connectors are held. */
  readonly missing: Readonly<Record<string, number>>;
}

export const EMPTY_ASSIGNMENT: Assignment = { generation: 0, owners: {}, missing: {} };

export interface AssignInput {
  readonly connectors: readonly string[];
  /** Workers whose membership heartbeat is current. */
  readonly live: readonly string[];
  /** Workers that announced a graceful leave (no delay for them). */
  readonly left: ReadonlySet<string>;
  readonly previous: Assignment;
  readonly now: number;
  readonly maxDelayMs: number;
}

export function assign(input: AssignInput): Assignment {
  const live = [...new Set(input.live)].sort();
  const liveSet = new Set(live);
  const owners: Record<string, string> = {};
  const missing: Record<string, number> = {};
  const unassigned: string[] = [];
  for (const connector of [...input.connectors].sort()) {
    const owner = input.previous.owners[connector];
    if (owner !== undefined && liveSet.has(owner)) {
      owners[connector] = owner;
      continue;
    }
    if (owner !== undefined && !input.left.has(owner) && live.length > 0) {
      const since = input.previous.missing[owner] ?? input.now;
      if (input.now - since < input.maxDelayMs) {
        owners[connector] = owner;
        missing[owner] = since;
        continue;
      }
    }
    unassigned.push(connector);
  }
  if (live.length > 0) balance(owners, unassigned, live);
  const changed =
    JSON.stringify(sorted(owners)) !== JSON.stringify(sorted(input.previous.owners)) ||
    JSON.stringify(sorted(missing)) !== JSON.stringify(sorted(input.previous.missing));
  return {
    generation: changed ? input.previous.generation + 1 : input.previous.generation,
    owners: sorted(owners),
    missing: sorted(missing),
  };
}

/** Gives the unassigned to the least loaded, then moves only the excess of overloaded workers. */
function balance(owners: Record<string, string>, unassigned: string[], live: readonly string[]): void {
  const load = new Map<string, string[]>(live.map((w) => [w, []]));
  let held = 0; // connectors held for missing workers count against nobody live
  for (const [connector, owner] of Object.entries(owners)) {
    const list = load.get(owner);
    if (list) list.push(connector);
    else held++;
  }
  const total = Object.keys(owners).length - held + unassigned.length;
  const ceil = Math.ceil(total / live.length);
  const floor = Math.floor(total / live.length);
  const least = () => [...load].sort((a, b) => a[1].length - b[1].length || a[0].localeCompare(b[0]))[0]!;
  for (const [worker, list] of load) {
    // Workers above the ceiling give up their last connectors (sorted, so the choice is stable).
    list.sort();
    while (list.length > ceil) unassigned.push(list.pop()!);
    load.set(worker, list);
  }
  for (const connector of unassigned.sort()) {
    const [worker, list] = least();
    list.push(connector);
    owners[connector] = worker;
  }
  // A joining worker below the floor takes from those above it, one at a time.
  for (;;) {
    const ordered = [...load].sort((a, b) => a[1].length - b[1].length || a[0].localeCompare(b[0]));
    const [low, lowList] = ordered[0]!;
    const [, highList] = ordered[ordered.length - 1]!;
    if (lowList.length >= floor || highList.length <= lowList.length + 1) break;
    const moved = highList.sort().pop()!;
    lowList.push(moved);
    owners[moved] = low;
  }
}

function sorted<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
