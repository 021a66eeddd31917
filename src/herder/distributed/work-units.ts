import type { Assignment } from './assignor.ts';

/**
 * The units a worker holds, each under a lease of its own: a connector instance, or one task of a
 * connector. Lease names keep the connector's form of the first release (`connector/<name>`), so a
 * cluster upgraded in place keeps its connector epochs; a task's is `task/<name>/<id>` (the id is the
 * last segment, so a connector name may itself contain `/`).
 */
export type WorkUnit =
  | { readonly kind: 'connector'; readonly connector: string }
  | { readonly kind: 'task'; readonly connector: string; readonly task: number };

export const connectorUnit = (connector: string): WorkUnit => ({ kind: 'connector', connector });
export const taskUnit = (connector: string, task: number): WorkUnit => ({ kind: 'task', connector, task });

/** The unit's lease name, which is also its key wherever units are kept by name. */
export function unitName(unit: WorkUnit): string {
  return unit.kind === 'connector' ? `connector/${unit.connector}` : `task/${unit.connector}/${unit.task}`;
}

/** The unit a lease name stands for; undefined for a name that is no unit's (the leader's lease). */
export function parseUnit(name: string): WorkUnit | undefined {
  if (name.startsWith('connector/')) return connectorUnit(name.slice('connector/'.length));
  if (!name.startsWith('task/')) return undefined;
  const rest = name.slice('task/'.length);
  const cut = rest.lastIndexOf('/');
  const task = Number(rest.slice(cut + 1));
  if (cut <= 0 || !Number.isInteger(task) || task < 0 || rest.slice(cut + 1) === '') return undefined;
  return taskUnit(rest.slice(0, cut), task);
}

/** The names of the units `worker` is to hold under `assignment`, sorted. */
export function assignedUnits(assignment: Assignment, worker: string): string[] {
  const names: string[] = [];
  for (const [connector, owner] of Object.entries(assignment.owners))
    if (owner === worker) names.push(unitName(connectorUnit(connector)));
  for (const [connector, owners] of Object.entries(assignment.tasks ?? {}))
    owners.forEach((owner, task) => {
      if (owner === worker) names.push(unitName(taskUnit(connector, task)));
    });
  return names.sort();
}

/** The worker the assignment gives the unit to, if any. */
export function assignedOwner(assignment: Assignment, unit: WorkUnit): string | undefined {
  return unit.kind === 'connector'
    ? assignment.owners[unit.connector]
    : assignment.tasks?.[unit.connector]?.[unit.task];
}

/**
 * What a worker does to follow an assignment: hand back what it holds but is no longer given (first,
 * so the next owners can start), then take what it is given but does not hold. Units it holds and is
 * still given are in neither list: they keep running under the same lease (cooperative).
 */
export function followPlan(
  held: Iterable<string>,
  assigned: readonly string[],
): { handBack: string[]; take: string[] } {
  const heldSet = new Set(held);
  const assignedSet = new Set(assigned);
  return {
    handBack: [...heldSet].filter((name) => !assignedSet.has(name)).sort(),
    take: assigned.filter((name) => !heldSet.has(name)),
  };
}
