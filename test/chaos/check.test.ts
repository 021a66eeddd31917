import { describe, expect, it } from 'vitest';
import { parseArgs } from './args.ts';
import type { LoggedChange } from './check.ts';
import { checkLog, diffView, medianMax } from './check.ts';
import type { Touch } from './pg-workload.ts';

const touch = (txid: number, key: number, table = 't'): Touch => ({ txid, table, key });
const logged = (txid: number, key: number, lsn: string, op = 'u', table = 't'): LoggedChange => ({
  table,
  key,
  txid,
  lsn,
  op,
});

describe('fault suite check: log against the ledger', () => {
  it('passes when every committed change is in the log once', () => {
    const v = checkLog(
      [touch(1, 5), touch(1, 6), touch(2, 5)],
      [logged(1, 5, '10'), logged(1, 6, '11'), logged(2, 5, '20')],
    );
    expect(v).toEqual({ lost: 0, duplicated: 0, examples: [] });
  });

  it('counts a change missing from the log as lost, naming it', () => {
    const v = checkLog([touch(1, 5), touch(2, 7)], [logged(1, 5, '10')]);
    expect(v.lost).toBe(1);
    expect(v.examples).toEqual(['lost: 1 change(s) of t/7@2']);
  });

  it('needs as many distinct records as the transaction changed the key', () => {
    const v = checkLog([touch(1, 5), touch(1, 5)], [logged(1, 5, '10'), logged(1, 5, '10')]);
    expect(v.lost).toBe(1);
    expect(v.duplicated).toBe(1);
  });

  it('counts a streamed change stored twice as a duplicate, but not a repeated snapshot read', () => {
    const v = checkLog(
      [touch(3, 1)],
      [logged(3, 1, '30'), logged(3, 1, '30'), logged(0, 9, '5', 'r'), logged(0, 9, '5', 'r')],
    );
    expect(v.duplicated).toBe(1);
    expect(v.lost).toBe(0);
  });

  it('a key change is a delete of the old key and a create of the new one in the same transaction', () => {
    const v = checkLog([touch(4, 1), touch(4, 2)], [logged(4, 1, '40', 'd'), logged(4, 2, '40', 'c')]);
    expect(v.lost).toBe(0);
  });
  it('names MariaDB changes by GTID and file:pos:row', () => {
    const gtid = (txid: string, key: number): Touch => ({ txid, table: 'b', key });
    const at = (txid: string, key: number, pos: string, op = 'u'): LoggedChange => ({
      table: 'b',
      key,
      txid,
      lsn: `mariadb-bin.000004:${pos}`,
      op,
    });
    const ledger = [gtid('0-1-7', 3), gtid('0-1-7', 3), gtid('0-1-8', 4)];
    // Two updates of one key in one transaction are two row events; the second transaction never arrived.
    const v = checkLog(ledger, [at('0-1-7', 3, '1200:0'), at('0-1-7', 3, '1350:0')]);
    expect(v.lost).toBe(1);
    expect(v.examples).toEqual(['lost: 1 change(s) of b/4@0-1-8']);
    expect(
      checkLog(ledger, [at('0-1-7', 3, '1200:0'), at('0-1-7', 3, '1350:0'), at('0-1-8', 4, '1500:1')]),
    ).toEqual({ lost: 0, duplicated: 0, examples: [] });
  });
});

describe('fault suite check: view against the table', () => {
  const row = (name: string, qty: number, big: string | null = null) => ({ name, qty, big });
  it('reports missing, extra and stale rows', () => {
    const table = new Map([
      [1, row('a', 1)],
      [2, row('b', 2, 'x'.repeat(10))],
      [3, row('c', 3)],
    ]);
    const view = new Map([
      [1, row('a', 1)],
      [2, row('b', 2, 'y'.repeat(10))],
      [4, row('d', 4)],
    ]);
    expect(diffView(table, view, 't')).toEqual([
      't/2: table {"name":"b","qty":2,"big":"10 chars"}, view {"name":"b","qty":2,"big":"10 chars"}',
      't/3: missing from the view',
      't/4: in the view, not in the table',
    ]);
    expect(diffView(table, new Map(table), 't')).toEqual([]);
  });
});

describe('fault suite figures and arguments', () => {
  it('median and max', () => {
    expect(medianMax([])).toEqual({ median: null, max: null });
    expect(medianMax([5, 1, 3])).toEqual({ median: 3, max: 5 });
    expect(medianMax([4, 1, 3, 2])).toEqual({ median: 2.5, max: 4 });
  });

  it('parses scenarios and options, refusing unknown ones', () => {
    const a = parseArgs([
      'kill-streaming',
      '--trials',
      '3',
      '--seed',
      '9',
      '--minutes',
      '5',
      '--profile',
      'ci',
    ]);
    expect(a).toMatchObject({ scenarios: ['kill-streaming'], trials: 3, seed: 9, minutes: 5, profile: 'ci' });
    expect(() => parseArgs(['--trails', '3'])).toThrow(/unknown option/);
    expect(() => parseArgs(['--trials'])).toThrow(/needs a value/);
  });
});
