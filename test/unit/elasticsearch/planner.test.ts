import { describe, expect, it } from 'vitest';
import { esSinkConfigSpec } from '../../../connectors/elasticsearch/config.ts';
import { crossKeyProblems } from '../../../connectors/elasticsearch/connector.ts';
import { elasticsearchSinkPlugin } from '../../../connectors/elasticsearch/index.ts';
import { indexNameProblem, indexNaming } from '../../../connectors/elasticsearch/index-name.ts';
import { OperationPlanner } from '../../../connectors/elasticsearch/operation-planner.ts';
import { ConfigError, DataError } from '../../../src/api/index.ts';
import { envelope, sinkRecord } from './records.ts';

function planner(raw: Record<string, string> = {}, now?: () => number) {
  const c = esSinkConfigSpec.parse({ 'connection.url': 'http://127.0.0.1:9200', ...raw });
  return new OperationPlanner(
    c,
    indexNaming({
      mapping: c['topic.to.external.resource.mapping'],
      dataStreamType: c['data.stream.type'],
      dataStreamDataset: c['data.stream.dataset'],
      dataStreamNamespace: c['data.stream.namespace'],
    }),
    now,
  );
}

describe('config', () => {
  it('accepts a Confluent config unchanged and defaults deletes for CDC topics', () => {
    const c = esSinkConfigSpec.parse({
      'connection.url': 'http://a:9200,http://b:9200',
      'key.ignore': 'false',
      'batch.size': '500',
    });
    expect(c['connection.url']).toEqual(['http://a:9200', 'http://b:9200']);
    expect(c['behavior.on.null.values']).toBe('delete');
    expect(c['max.in.flight.requests']).toBe(5);
    expect(elasticsearchSinkPlugin.aliases).toContain(
      'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
    );
  });

  it('reports every bad key, and cross-key problems', () => {
    const v = esSinkConfigSpec.validate({ 'write.method': 'merge', 'batch.size': '0' });
    expect(v.problems.map((p) => p.key).sort()).toEqual(['batch.size', 'connection.url', 'write.method']);
    const c = esSinkConfigSpec.parse({
      'connection.url': 'localhost:9200',
      'data.stream.type': 'LOGS',
      'topic.to.external.resource.mapping': 'orders:Orders',
    });
    expect(
      crossKeyProblems(c)
        .map((p) => p.key)
        .sort(),
    ).toEqual(['connection.url', 'data.stream.dataset', 'topic.to.external.resource.mapping']);
  });
});

describe('index names', () => {
  it('lower-cases topics as Confluent does and refuses names Elasticsearch would refuse', () => {
    const n = indexNaming({
      mapping: ['a.b:custom-index'],
      dataStreamType: 'NONE',
      dataStreamDataset: '',
      dataStreamNamespace: '',
    });
    expect(n.resourceFor('Db.Public.Orders')).toBe('db.public.orders');
    expect(n.resourceFor('a.b')).toBe('custom-index');
    expect(() => n.resourceFor('orders*2024')).toThrow(/refuses index name 'orders\*2024'.*contains '\*'/);
    expect(() => n.resourceFor('_private')).toThrow(DataError);
    expect(indexNameProblem('Upper')).toMatch(/upper-case/);
    expect(() =>
      indexNaming({
        mapping: ['t:Bad'],
        dataStreamType: 'NONE',
        dataStreamDataset: '',
        dataStreamNamespace: '',
      }),
    ).toThrow(ConfigError);
  });
});

describe('OperationPlanner', () => {
  it('writes a versioned index action from a Debezium envelope', () => {
    const p = planner().plan(
      sinkRecord({ key: { id: 1 }, offset: 3, value: envelope('c', { id: 1, name: 'a' }, 500) }),
    );
    expect(p.kind === 'op' && p.op.text).toBe(
      '{"index":{"_index":"db.public.customers","_id":"1","version":500,"version_type":"external"}}\n{"id":1,"name":"a"}\n',
    );
  });

  it('turns a d event into a delete marker and a versioned hard delete, or a soft-delete marker', () => {
    const d = sinkRecord({ key: { id: 1 }, value: envelope('d', null, 600, { id: 1 }) });
    const hard = planner({ 'delete.mode': 'hard' }, () => 1234).plan(d);
    expect(hard.kind === 'op' && hard.op.text).toBe(
      '{"delete":{"_index":"db.public.customers","_id":"1","version":600,"version_type":"external"}}\n',
    );
    expect(hard.kind === 'op' && hard.marker?.text).toBe(
      '{"index":{"_index":"db.public.customers-seam-deletes","_id":"1","version":600,"version_type":"external"}}\n{"deleted_at":1234}\n',
    );
    expect(planner().plan(d)).toMatchObject({
      kind: 'op',
      marker: { index: 'db.public.customers-seam-deletes' },
    });
    const soft = planner({ 'delete.mode': 'soft' }).plan(d);
    expect(soft.kind === 'op' && soft.op.text).toContain(
      '"version":600,"version_type":"external"}}\n{"__seam_deleted":true}',
    );
    expect(soft.kind === 'op' && soft.marker).toBe(null);
  });

  it("guards versioned writes with the view's marker index (rebuild tasks share the view's)", () => {
    const r = sinkRecord({ key: { id: 1 }, value: envelope('c', { id: 1 }, 700) });
    const live = planner().plan(r);
    expect(live.kind === 'op' && live.op.guard).toEqual({
      markers: 'db.public.customers-seam-deletes',
      version: 700n,
    });
    const rebuild = planner({
      'topic.to.external.resource.mapping': 'db.public.customers:db.public.customers-v2',
      'write.markers.names': 'db.public.customers-v2:db.public.customers',
    }).plan(r);
    expect(rebuild.kind === 'op' && rebuild.op.index).toBe('db.public.customers-v2');
    expect(rebuild.kind === 'op' && rebuild.op.guard?.markers).toBe('db.public.customers-seam-deletes');
    const soft = planner({ 'delete.mode': 'soft' }).plan(r);
    expect(soft.kind === 'op' && soft.op.guard).toBe(null);
  });

  it('asks for a version read on a tombstone without position, and honours behavior.on.null.values', () => {
    const t = sinkRecord({ key: 1, value: null });
    expect(planner().plan(t)).toMatchObject({ kind: 'unversioned-delete', id: '1' });
    expect(planner({ 'behavior.on.null.values': 'ignore' }).plan(t).kind).toBe('skip');
    expect(() => planner({ 'behavior.on.null.values': 'fail' }).plan(t)).toThrow(DataError);
  });

  it('writes upserts without a version and data streams with create and @timestamp', () => {
    const r = sinkRecord({ key: 5, value: { id: 5 } });
    const u = planner({ 'write.method': 'upsert' }).plan(r);
    expect(u.kind === 'op' && u.op.text).toBe(
      '{"update":{"_index":"db.public.customers","_id":"5","retry_on_conflict":5}}\n{"doc":{"id":5},"doc_as_upsert":true}\n',
    );
    const ds = planner({ 'data.stream.type': 'LOGS', 'data.stream.dataset': 'cdc' }).plan(r);
    expect(ds.kind === 'op' && ds.op.text).toBe(
      '{"create":{"_index":"logs-cdc-db.public.customers","_id":"5"}}\n{"id":5,"@timestamp":"2023-11-14T22:13:20.000Z"}\n',
    );
  });

  it('reports the offset fallback for records without a source position', () => {
    const p = planner().plan(sinkRecord({ key: 5, offset: 8, value: { id: 5 } }));
    expect(p.kind === 'op' && p.versionSource).toBe('offset');
  });
});
