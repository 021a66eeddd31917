import { describe, expect, it } from 'vitest';
import { mappingConfigProblems } from '../../../connectors/cassandra/connector.ts';
import { convertUnit, parseMappings } from '../../../connectors/cassandra/mapping.ts';

describe('Cassandra mapping DSL', () => {
  it('parses every source kind, the per-mapping settings and dotted topic names', () => {
    const { mappings, problems } = parseMappings({
      'topic.db.public.customers.ks.t1.mapping':
        'id=key.id, name=value.name, "Mixed"=value.Deep.Field, h=header.trace-id, at=now(), __ttl=value.ttl, __timestamp=value.ts',
      'topic.db.public.customers.ks.t1.consistencyLevel': 'local_quorum',
      'topic.db.public.customers.ks.t1.ttl': '3600',
      'topic.db.public.customers.ks.t1.ttlTimeUnit': 'MILLISECONDS',
      'topic.db.public.customers.ks.t1.nullToUnset': 'false',
      'topic.db.public.customers.ks.t2.mapping': 'id=key',
      'topic.db.public.customers.ks.t2.query': 'UPDATE ks.t2 SET n = n WHERE id = :id',
      'topic.db.public.customers.codec.locale': 'en_US',
      contactPoints: 'x',
    });
    expect(problems).toEqual([]);
    const [t1, t2] = mappings;
    expect(t1).toMatchObject({
      topic: 'db.public.customers',
      keyspace: 'ks',
      table: 't1',
      consistencyLevel: 'LOCAL_QUORUM',
      ttl: 3600,
      ttlTimeUnit: 'MILLISECONDS',
      nullToUnset: false,
      deletesEnabled: true,
      ttlSource: { from: 'value', path: ['ttl'] },
      timestampSource: { from: 'value', path: ['ts'] },
    });
    expect([...t1!.columns]).toEqual([
      ['id', { from: 'key', path: ['id'] }],
      ['name', { from: 'value', path: ['name'] }],
      ['Mixed', { from: 'value', path: ['Deep', 'Field'] }],
      ['h', { from: 'header', name: 'trace-id' }],
      ['at', { from: 'now' }],
    ]);
    // DataStax: a custom query disables deletes.
    expect(t2).toMatchObject({ query: 'UPDATE ks.t2 SET n = n WHERE id = :id', deletesEnabled: false });
    expect([...t2!.columns]).toEqual([['id', { from: 'key', path: [] }]]);
  });

  it('reports every problem at once', () => {
    const { problems } = parseMappings({
      'topic.a.ks.t.mapping': 'id=key.id, broken, x=val.y, id=value.id',
      'topic.a.ks.t.consistencyLevel': 'SOMETIMES',
      'topic.a.ks.t.ttl': '-5',
      'topic.a.ks.t.timestampTimeUnit': 'FORTNIGHTS',
      'topic.a.ks.t.deletesEnabled': 'maybe',
      'topic.a.ks.u.ttl': '10',
      'topic.a.ks.t.colour': 'blue',
    });
    expect(problems.map((p) => p.key)).toEqual([
      'topic.a.ks.t.colour',
      'topic.a.ks.t.mapping',
      'topic.a.ks.t.mapping',
      'topic.a.ks.t.mapping',
      'topic.a.ks.t.consistencyLevel',
      'topic.a.ks.t.ttl',
      'topic.a.ks.t.timestampTimeUnit',
      'topic.a.ks.t.deletesEnabled',
      'topic.a.ks.u.mapping',
    ]);
    expect(problems[1]!.message).toContain("'broken' is not column=");
    expect(problems[3]!.message).toContain("column 'id' is mapped twice");
  });

  it('the connector requires at least one mapping', () => {
    expect(mappingConfigProblems({ contactPoints: 'x' })).toEqual([
      { key: 'topic.<topic>.<keyspace>.<table>.mapping', message: 'at least one mapping is required' },
    ]);
  });

  it('converts TTL and timestamp units', () => {
    expect(convertUnit(90_000, 'MILLISECONDS', 'SECONDS')).toBe(90n);
    expect(convertUnit(2, 'HOURS', 'SECONDS')).toBe(7200n);
    expect(convertUnit(1_700_000_000_000, 'MILLISECONDS', 'MICROSECONDS')).toBe(1_700_000_000_000_000n);
    expect(convertUnit(5_000n, 'NANOSECONDS', 'MICROSECONDS')).toBe(5n);
  });
});
