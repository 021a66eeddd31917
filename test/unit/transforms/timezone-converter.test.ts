import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DebeziumNames,
  type Schema,
  SchemaBuilder,
  Schemas,
  sourceRecord,
  timestampSchema,
} from '../../../src/api/index.ts';
import { transform } from './helpers.ts';

const TZ = 'io.debezium.transforms.TimezoneConverter';
const named = (b: SchemaBuilder, name: string) => b.name(name).optional().build();
const row = SchemaBuilder.struct()
  .name('srv.inv.orders.Value')
  .optional()
  .field('id', Schemas.INT32)
  .field('zts', named(SchemaBuilder.string(), DebeziumNames.ZONED_TIMESTAMP))
  .field('zt', named(SchemaBuilder.string(), DebeziumNames.ZONED_TIME))
  .field('ts', named(SchemaBuilder.int64(), DebeziumNames.TIMESTAMP))
  .field('micro', named(SchemaBuilder.int64(), DebeziumNames.MICRO_TIMESTAMP))
  .field('nano', named(SchemaBuilder.int64(), DebeziumNames.NANO_TIMESTAMP))
  .field('connect_ts', timestampSchema().optional().build())
  .field('day', named(SchemaBuilder.int32(), DebeziumNames.DATE))
  .build();
const source = SchemaBuilder.struct()
  .field('table', Schemas.STRING)
  .field('commit_ts', named(SchemaBuilder.int64(), DebeziumNames.TIMESTAMP))
  .build();
const envelope: Schema = SchemaBuilder.struct()
  .name('srv.inv.orders.Envelope')
  .field('before', row)
  .field('after', row)
  .field('source', source)
  .field('op', Schemas.STRING)
  .build();

const T = Date.UTC(2024, 0, 15, 12, 0, 0); // 12:00Z on a winter day
const after = {
  id: 1,
  zts: '2024-01-15T12:00:00.5Z',
  zt: '12:00:00Z',
  ts: T,
  micro: T * 1000 + 7,
  nano: BigInt(T) * 1_000_000n + 9n,
  connect_ts: T,
  day: 19737,
};
const record = (topic = 'srv.inv.orders', table = 'orders') =>
  sourceRecord({
    topic,
    valueSchema: envelope,
    value: { before: null, after, source: { table, commit_ts: T }, op: 'c' },
  });
const H = 3_600_000;
const converted = (config: Record<string, string>, r = record()) =>
  transform(TZ, { 'converted.timezone': '+02:00', ...config }).apply(r)!.value as {
    after: typeof after;
    source: { commit_ts: number };
  };

describe('TimezoneConverter', () => {
  it('converts every supported type as java.time does, leaving dates alone', () => {
    const out = converted({}).after;
    expect(out.zts).toBe('2024-01-15T14:00:00.5+02:00');
    expect(out.zt).toBe('14:00:00+02:00');
    // Epoch types: the UTC wall-clock time is re-read as a time of the target zone.
    expect(out.ts).toBe(T - 2 * H);
    expect(out.micro).toBe((T - 2 * H) * 1000 + 7);
    expect(out.nano).toBe((BigInt(T) - 2n * BigInt(H)) * 1_000_000n + 9n);
    expect(out.connect_ts).toBe(T - 2 * H);
    expect(out.day).toBe(19737);
  });

  it('uses the offset in force for a geographic zone (DST) and prints Z for UTC', () => {
    const summer = Date.UTC(2024, 6, 1, 12);
    const r = sourceRecord({
      topic: 't',
      valueSchema: envelope,
      value: {
        before: null,
        after: { ...after, zts: '2024-07-01T12:00:00Z', ts: summer },
        source: { table: 'x', commit_ts: 0 },
        op: 'c',
      },
    });
    const out = converted({ 'converted.timezone': 'Europe/Paris' }, r).after;
    expect(out.zts).toBe('2024-07-01T14:00:00+02:00');
    expect(out.ts).toBe(summer - 2 * H);
    expect(converted({ 'converted.timezone': 'UTC' }).after.zts).toBe('2024-01-15T12:00:00.5Z');
  });

  it('include.list: topic rule converts all fields, field rules only those, unmatched records none', () => {
    expect(converted({ 'include.list': 'topic:srv.inv.orders' }).after.ts).toBe(T - 2 * H);
    const only = converted({ 'include.list': 'source:orders:ts' }).after;
    expect([only.ts, only.micro]).toEqual([T - 2 * H, after.micro]);
    expect(converted({ 'include.list': 'topic:other' }).after.ts).toBe(T);
    // <matchname>:<field> matches the table, else the topic.
    expect(converted({ 'include.list': 'orders:micro' }).after.micro).not.toBe(after.micro);
    // An unprefixed entry after a prefixed one continues it (source:t1,t2).
    expect(converted({ 'include.list': 'source:customers,orders' }).after.ts).toBe(T - 2 * H);
  });

  it('exclude.list: matched fields are skipped, a matched table without fields entirely, others converted', () => {
    const out = converted({ 'exclude.list': 'source:orders:ts' }).after;
    expect([out.ts, out.micro]).toEqual([T, (T - 2 * H) * 1000 + 7]);
    expect(converted({ 'exclude.list': 'topic:srv.inv.orders' }).after.ts).toBe(T);
    expect(converted({ 'exclude.list': 'topic:other' }).after.ts).toBe(T - 2 * H);
  });

  it('converts source fields only when named with the source. prefix; after. limits to one side', () => {
    const out = converted({ 'include.list': 'source:orders:source.commit_ts,orders:after.ts' });
    expect(out.source.commit_ts).toBe(T - 2 * H);
    expect(out.after.ts).toBe(T - 2 * H);
    expect(out.after.micro).toBe(after.micro);
    expect(converted({}).source.commit_ts).toBe(T);
  });

  it('passes non-envelope records and tombstones through', () => {
    const t = transform(TZ, { 'converted.timezone': '+02:00' });
    const plain = sourceRecord({ topic: 't', valueSchema: row, value: after });
    expect(t.apply(plain)).toBe(plain);
    const tomb = sourceRecord({ topic: 't', value: null });
    expect(t.apply(tomb)).toBe(tomb);
  });

  it('rejects unknown zones, both lists, and malformed rules', () => {
    expect(() => transform(TZ, { 'converted.timezone': 'Mars/Olympus' })).toThrow(ConfigError);
    expect(() =>
      transform(TZ, { 'converted.timezone': 'UTC', 'include.list': 'topic:a', 'exclude.list': 'topic:b' }),
    ).toThrow(ConfigError);
    expect(() => transform(TZ, { 'converted.timezone': 'UTC', 'include.list': 'justaname' })).toThrow(
      ConfigError,
    );
  });
});
