/**
 * The leader's cooperative assignment of work to live workers, after Kafka Connect's incremental
 * cooperative assignor (KIP-415). The units are connector instances and, when the leader knows how many
 * tasks each connector has (`tasks`), each task separately, so one connector's tasks spread over
 * workers as Kafka Connect spreads them; without `tasks` a connector is one unit with all its tasks.
 * Connectors and tasks are balanced separately (each worker holds its fair share of both), as Kafka
 * Connect does:
 * - a unit whose owner is alive stays where it is, unless balance needs it elsewhere, and then only the
 *   excess moves (a worker above its fair share gives up the fewest units it can: first tasks whose
 *   siblings it also runs, so a move also spreads a connector's tasks);
 * - a unit whose owner vanished without leaving (crash, network loss) is held for that worker for
 *   `scheduled.rebalance.max.delay.ms` from when it was first missed, so a worker that restarts quickly
 *   gets its work back without a storm; after the delay it goes to the least loaded live workers;
 * - a worker that left gracefully (SIGTERM) gets no delay: its units move at once;
 * - a unit without an owner goes to the least loaded worker, and among equals to the one running the
 *   fewest tasks of the same connector (3 tasks on 3 workers run on 3 workers), then to the one
 *   running the connector instance (a connector with one task runs on one worker when balance allows).
 * Pure and deterministic (sorted inputs), so every leader computes the same answer from the same view.
 */
export interface Assignment {
  /** Bumped on every change of `owners`, `tasks` or `missing`. */
  readonly generation: number;
  /** connector → worker id running the connector instance (and, without `tasks`, all its tasks). */
  readonly owners: Readonly<Record<string, string>>;
  /** connector → the worker id running each task, by task id. Absent in assignments of older leaders. */
  readonly tasks?: Readonly<Record<string, readonly string[]>>;
  /** worker id → when the leader first missed it (ms since epoch), while its units are held. */
  readonly missing: Readonly<Record<string, number>>;
}

export const EMPTY_ASSIGNMENT: Assignment = { generation: 0, owners: {}, tasks: {}, missing: {} };

export interface AssignInput {
  readonly connectors: readonly string[];
  /**
   * connector → its number of tasks (the task configs its holder generated). A connector absent here
   * has no task units. @defaultValue no task units at all: each connector runs its tasks itself
   */
  readonly tasks?: Readonly<Record<string, number>>;
  /** Workers whose membership heartbeat is current. */
  readonly live: readonly string[];
  /** Workers that announced a graceful leave (no delay for them). */
  readonly left: ReadonlySet<string>;
  readonly previous: Assignment;
  readonly now: number;
  readonly maxDelayMs: number;
}

/** One unit of work: a connector instance (`task` null) or one task of a connector. */
interface Unit {
  readonly connector: string;
  readonly task: number | null;
}

export function assign(input: AssignInput): Assignment {
  const live = [...new Set(input.live)].sort();
  const connectors = [...new Set(input.connectors)].sort();
  const missing: Record<string, number> = {};
  const keep = (previousOwner: string | undefined): string | undefined => {
    if (previousOwner === undefined) return undefined;
    if (live.includes(previousOwner)) return previousOwner;
    if (input.left.has(previousOwner) || live.length === 0) return undefined;
    const since = input.previous.missing[previousOwner] ?? input.now;
    if (input.now - since >= input.maxDelayMs) return undefined;
    missing[previousOwner] = since;
    return previousOwner;
  };
  const connectorUnits = connectors.map((connector): Unit => ({ connector, task: null }));
  const taskUnits = connectors.flatMap((connector) =>
    Array.from(
      { length: Math.max(0, input.tasks?.[connector] ?? 0) },
      (_, task): Unit => ({ connector, task }),
    ),
  );
  const previousOf = (u: Unit) =>
    u.task === null ? input.previous.owners[u.connector] : input.previous.tasks?.[u.connector]?.[u.task];
  const place = (units: Unit[], affinity?: (u: Unit) => string | undefined) => {
    const owned = new Map<Unit, string>();
    const unassigned: Unit[] = [];
    for (const unit of units) {
      const owner = keep(previousOf(unit));
      if (owner === undefined) unassigned.push(unit);
      else owned.set(unit, owner);
    }
    if (live.length > 0) balance(owned, unassigned, live, affinity);
    return owned;
  };
  const owners: Record<string, string> = {};
  for (const [unit, worker] of place(connectorUnits)) owners[unit.connector] = worker;
  const tasks: Record<string, string[]> = {};
  for (const [unit, worker] of place(taskUnits, (u) => owners[u.connector])) {
    const list = tasks[unit.connector] ?? [];
    list[unit.task!] = worker;
    tasks[unit.connector] = list;
  }
  const next = { owners: sorted(owners), tasks: sorted(tasks), missing: sorted(missing) };
  const before = {
    owners: sorted(input.previous.owners),
    tasks: sorted(input.previous.tasks ?? {}),
    missing: sorted(input.previous.missing),
  };
  const changed = JSON.stringify(next) !== JSON.stringify(before);
  return { generation: input.previous.generation + (changed ? 1 : 0), ...next };
}

/**
 * Gives the unassigned to the least loaded, after the workers above the ceiling gave up their excess;
 * then moves units one at a time from the most to the least loaded while the least is below the floor.
 * Units held for a missing worker count against nobody live.
 */
function balance(
  owned: Map<Unit, string>,
  unassigned: Unit[],
  live: readonly string[],
  affinity: (u: Unit) => string | undefined = () => undefined,
): void {
  const load = new Map<string, Unit[]>(live.map((w) => [w, []]));
  for (const [unit, owner] of owned) load.get(owner)?.push(unit);
  let total = unassigned.length;
  for (const list of load.values()) total += list.length;
  const ceil = Math.ceil(total / live.length);
  const floor = Math.floor(total / live.length);
  const siblings = (list: readonly Unit[], connector: string) =>
    list.reduce((n, u) => n + (u.connector === connector ? 1 : 0), 0);
  // The unit a worker gives up: one whose connector it runs most often, then the last in order.
  const surrender = (list: Unit[], to?: readonly Unit[]): Unit => {
    const score = (u: Unit) => siblings(list, u.connector) - (to ? siblings(to, u.connector) : 0);
    const ranked = [...list].sort((a, b) => score(b) - score(a) || compareUnits(b, a));
    const unit = ranked[0]!;
    list.splice(list.indexOf(unit), 1);
    return unit;
  };
  for (const list of load.values()) while (list.length > ceil) unassigned.push(surrender(list));
  const least = (unit: Unit) => {
    const near = affinity(unit);
    return [...load].sort(
      (a, b) =>
        a[1].length - b[1].length ||
        siblings(a[1], unit.connector) - siblings(b[1], unit.connector) ||
        Number(b[0] === near) - Number(a[0] === near) ||
        a[0].localeCompare(b[0]),
    )[0]!;
  };
  for (const unit of unassigned.sort(compareUnits)) {
    const [worker, list] = least(unit);
    list.push(unit);
    owned.set(unit, worker);
  }
  for (;;) {
    const ordered = [...load].sort((a, b) => a[1].length - b[1].length || a[0].localeCompare(b[0]));
    const [low, lowList] = ordered[0]!;
    const [, highList] = ordered[ordered.length - 1]!;
    if (lowList.length >= floor || highList.length <= lowList.length + 1) break;
    const moved = surrender(highList, lowList);
    lowList.push(moved);
    owned.set(moved, low);
  }
}

function compareUnits(a: Unit, b: Unit): number {
  return a.connector.localeCompare(b.connector) || (a.task ?? -1) - (b.task ?? -1);
}

function sorted<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
