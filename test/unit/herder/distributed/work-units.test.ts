import { describe, expect, it } from 'vitest';
import type { Assignment } from '../../../../src/herder/distributed/assignor.ts';
import {
  assignedOwner,
  assignedUnits,
  connectorUnit,
  followPlan,
  parseUnit,
  taskUnit,
  unitName,
} from '../../../../src/herder/distributed/work-units.ts';

describe('work units', () => {
  it('names a connector unit as the first release did and a task unit apart, and parses both back', () => {
    expect(unitName(connectorUnit('orders'))).toBe('connector/orders');
    expect(unitName(taskUnit('orders', 2))).toBe('task/orders/2');
    for (const unit of [connectorUnit('a/b'), taskUnit('a/b', 0), taskUnit('x', 11)])
      expect(parseUnit(unitName(unit))).toEqual(unit);
    expect(parseUnit('leader')).toBeUndefined();
    expect(parseUnit('task/orders')).toBeUndefined();
    expect(parseUnit('task/orders/x')).toBeUndefined();
    expect(parseUnit('task/orders/')).toBeUndefined();
  });

  it('lists what a worker is given: connector instances and single tasks', () => {
    const a: Assignment = {
      generation: 3,
      owners: { a: 'w1', b: 'w2' },
      tasks: { a: ['w2', 'w1', 'w3'], b: ['w1'] },
      missing: {},
    };
    expect(assignedUnits(a, 'w1')).toEqual(['connector/a', 'task/a/1', 'task/b/0']);
    expect(assignedUnits(a, 'w3')).toEqual(['task/a/2']);
    expect(assignedOwner(a, taskUnit('a', 0))).toBe('w2');
    expect(assignedOwner(a, connectorUnit('b'))).toBe('w2');
    expect(assignedOwner(a, taskUnit('b', 4))).toBeUndefined();
    expect(assignedUnits({ generation: 1, owners: { a: 'w1' }, missing: {} }, 'w1')).toEqual(['connector/a']);
  });

  it('hands back only what moved away and takes only what is new; kept units are untouched', () => {
    expect(
      followPlan(['connector/a', 'task/a/0', 'task/b/1'], ['connector/a', 'task/b/1', 'task/c/0']),
    ).toEqual({
      handBack: ['task/a/0'],
      take: ['task/c/0'],
    });
    expect(followPlan([], [])).toEqual({ handBack: [], take: [] });
  });
});
