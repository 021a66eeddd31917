import { type Schema, SchemaBuilder, Schemas, type SourceRecord, sourceRecord } from '../../src/api/index.ts';
import type { Quickstart } from './config.ts';

/**
 * Record generation as a pure function of (seed, task, sequence): a restarted task regenerates exactly
 * the records it generated before, so tests can check that nothing was lost or duplicated. Every value
 * carries its `seq` (Seam extension to Confluent's shapes).
 */

const ADDRESS = SchemaBuilder.struct()
  .name('ksql.address')
  .field('city', Schemas.STRING)
  .field('state', Schemas.STRING)
  .field('zipcode', Schemas.INT64)
  .build();

export const SCHEMAS: Readonly<Record<Quickstart, Schema>> = {
  users: SchemaBuilder.struct()
    .name('ksql.users')
    .field('registertime', Schemas.INT64)
    .field('userid', Schemas.STRING)
    .field('regionid', Schemas.STRING)
    .field('gender', Schemas.STRING)
    .field('seq', Schemas.INT64)
    .build(),
  pageviews: SchemaBuilder.struct()
    .name('ksql.pageviews')
    .field('viewtime', Schemas.INT64)
    .field('userid', Schemas.STRING)
    .field('pageid', Schemas.STRING)
    .field('seq', Schemas.INT64)
    .build(),
  orders: SchemaBuilder.struct()
    .name('ksql.orders')
    .field('ordertime', Schemas.INT64)
    .field('orderid', Schemas.INT32)
    .field('itemid', Schemas.STRING)
    .field('orderunits', Schemas.FLOAT64)
    .field('address', ADDRESS)
    .field('seq', Schemas.INT64)
    .build(),
};

// The time range of Confluent's quickstart timestamps.
const TIME_FROM = 1_487_715_775_521;
const TIME_SPAN = 1_519_273_364_600 - TIME_FROM;
const GENDERS = ['MALE', 'FEMALE', 'OTHER'] as const;

export interface StreamId {
  readonly seed: number;
  readonly task: number;
}

/** The source partition of one task's stream; its offset is `{ sequence }` of the last record. */
export function sourcePartition(task: number): { task: number } {
  return { task };
}

export function generate(
  quickstart: Quickstart,
  topic: string,
  id: StreamId,
  sequence: number,
): SourceRecord {
  const r = random(id.seed, id.task, sequence);
  const pick = (prefix: string, n: number) => `${prefix}_${1 + Math.floor(r() * n)}`;
  let key: string;
  let value: Record<string, unknown>;
  switch (quickstart) {
    case 'users':
      value = {
        registertime: TIME_FROM + Math.floor(r() * TIME_SPAN),
        userid: pick('User', 9),
        regionid: pick('Region', 9),
        gender: GENDERS[Math.floor(r() * 3)],
        seq: sequence,
      };
      key = value.userid as string;
      break;
    case 'pageviews':
      value = { viewtime: sequence + 1, userid: pick('User', 9), pageid: pick('Page', 99), seq: sequence };
      key = String(sequence + 1);
      break;
    case 'orders':
      value = {
        ordertime: TIME_FROM + Math.floor(r() * TIME_SPAN),
        orderid: sequence % 2 ** 31,
        itemid: pick('Item', 999),
        orderunits: Math.round((0.1 + r() * 9.9) * 100) / 100,
        address: {
          city: pick('City', 99),
          state: pick('State', 99),
          zipcode: 10_000 + Math.floor(r() * 90_000),
        },
        seq: sequence,
      };
      key = String(value.orderid);
      break;
  }
  return sourceRecord({
    topic,
    keySchema: Schemas.STRING,
    key,
    valueSchema: SCHEMAS[quickstart],
    value,
    sourcePartition: sourcePartition(id.task),
    sourceOffset: { sequence },
  });
}

/** mulberry32 seeded by a mix of (seed, task, sequence): cheap, and independent per record. */
function random(seed: number, task: number, sequence: number): () => number {
  let h = mix(mix(mix(0x9e3779b9, seed | 0) ^ Math.floor(seed / 2 ** 32), task), sequence | 0);
  h = mix(h, Math.floor(sequence / 2 ** 32));
  return () => {
    h = (h + 0x6d2b79f5) | 0;
    let t = Math.imul(h ^ (h >>> 15), 1 | h);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function mix(h: number, v: number): number {
  let x = Math.imul(h ^ v, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
}
