import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { parseMappings } from '../../../connectors/cassandra/mapping.ts';
import { planWrites, type Write } from '../../../connectors/cassandra/planner.ts';
import { boundStatement } from '../../../connectors/cassandra/statements.ts';
import type { TableInfo } from '../../../connectors/cassandra/table-info.ts';
import { UNSET } from '../../../connectors/cassandra/values.ts';
import { DataError } from '../../../src/api/index.ts';
import { envelope, sinkRecord } from './records.ts';

const T = cassandra.types.dataTypes;
const table: TableInfo = {
  columns: new Map([
    ['id', T.int],
    ['name', T.text],
    ['score', T.bigint],
  ]),
  partitionKey: ['id'],
  clusteringKey: [],
};
const [mapping] = parseMappings({
  'topic.t.ks.c.mapping': 'id=key.id, name=value.name, score=value.score',
  'topic.t.ks.c.ttl': '60',
}).mappings;
const options = { positionFields: ['__lsn'], mysqlPosition: 'binlog' as const };
const plan = (value: unknown, key: unknown = { id: 1 }, headers = []) => {
  const p = planWrites(sinkRecord({ topic: 't', key, value, headers }), mapping!, table, options);
  if ('skip' in p) throw new Error(p.skip);
  return p.writes;
};
const brief = (w: Write) => ({
  kind: w.kind,
  values: Object.fromEntries(w.values),
  ts: w.timestamp,
  src: w.timestampSource,
});

describe('planWrites', () => {
  it('uses the source position as the write timestamp, the identity encoding', () => {
    const [w] = plan(envelope('c', { id: 1, name: 'a', score: 5 }, 0x16b3748));
    expect(brief(w!)).toEqual({
      kind: 'upsert',
      values: { id: 1, name: 'a', score: 5n },
      ts: 0x16b3748n,
      src: 'position',
    });
    expect(boundStatement(w!, table)).toEqual({
      query: 'INSERT INTO "ks"."c" ("id", "name", "score") VALUES (?, ?, ?) USING TIMESTAMP ? AND TTL ?',
      params: [1, 'a', 5n, 0x16b3748n, 60],
    });
  });

  it('deletes by key on d, and moves the row when an update changes the key', () => {
    const [d] = plan(envelope('d', null, 200, { id: 1, name: 'a', score: 5 }));
    expect(brief(d!)).toMatchObject({ kind: 'delete', values: { id: 1 }, ts: 200n });
    expect(boundStatement(d!, table)).toEqual({
      query: 'DELETE FROM "ks"."c" USING TIMESTAMP ? WHERE "id" = ?',
      params: [200n, 1],
    });
    const moved = plan(envelope('u', { id: 2, name: 'a', score: 5 }, 300, { id: 1, name: 'a', score: 5 }), {
      id: 2,
    });
    expect(moved.map(brief)).toEqual([
      { kind: 'delete', values: { id: 1 }, ts: 300n, src: 'position' },
      { kind: 'upsert', values: { id: 2, name: 'a', score: 5n }, ts: 300n, src: 'position' },
    ]);
  });

  it('flattened rows: __lsn orders, __deleted deletes, nulls are unset, no position falls back to the record time', () => {
    expect(brief(plan({ id: 1, name: null, score: 1, __lsn: 42 })[0]!)).toEqual({
      kind: 'upsert',
      values: { id: 1, name: UNSET, score: 1n },
      ts: 42n,
      src: 'position',
    });
    expect(plan({ id: 1, __deleted: 'true', __lsn: 43 })[0]!.kind).toBe('delete');
    expect(brief(plan({ id: 1, name: 'x', score: 1 })[0]!)).toMatchObject({
      ts: 1_700_000_000_000_000n,
      src: 'record-timestamp',
    });
    // DataStax's rule: only key columns set (all others null) is a delete.
    expect(plan({ id: 1, name: null, score: null, __lsn: 44 })[0]!.kind).toBe('delete');
  });

  it('a tombstone deletes by the record key, ordered by a position header when there is one', () => {
    const [w] = plan(null, { id: 7 }, [{ key: '__lsn', value: 99, schema: null }] as never);
    expect(brief(w!)).toEqual({ kind: 'delete', values: { id: 7 }, ts: 99n, src: 'position' });
  });

  it('missing key fields and values that do not fit are DataErrors naming the column', () => {
    expect(() => plan({ name: 'x', score: 1 }, { ident: 1 })).toThrow(DataError);
    expect(() => plan({ name: 'x', score: 1 }, { ident: 1 })).toThrow(
      "column 'id' = key.id, but the record key has no such field",
    );
    expect(() => plan({ id: 1, name: 'x', score: 'lots' })).toThrow(/column 'score'.*does not fit/);
  });
});
