import {
  atLeast,
  type ConnectRecord,
  configSpec,
  DataError,
  nonEmptyList,
  oneOf,
} from '../../src/api/index.ts';
import { valueAt } from '../support/field-path.ts';
import { debeziumTransform } from '../support/plugin.ts';
import { isEnvelope } from './envelope-fields.ts';

const spec = configSpec()
  .define({
    name: 'partition.payload.fields',
    type: 'list',
    required: true,
    validator: nonEmptyList(),
    importance: 'high',
    doc: 'Payload fields whose values choose the partition, e.g. after.customer_id or source.table (before is used for deletes).',
  })
  .define({
    name: 'partition.topic.num',
    type: 'int',
    required: true,
    validator: atLeast(1),
    importance: 'high',
    doc: 'The number of partitions of the destination topic.',
  })
  .define({
    name: 'partition.hash.function',
    type: 'string',
    default: 'java',
    validator: oneOf(['java', 'murmur']),
    recommended: ['java', 'murmur'],
    importance: 'low',
    doc: 'Hash function over the field values: java (Java hashCode) or murmur (MurmurHash3 32-bit).',
  });

/** Java's String.hashCode / Long.hashCode / Boolean.hashCode, the values Debezium hashes with `java`. */
function javaHash(v: unknown): number {
  if (typeof v === 'string') {
    let h = 0;
    for (let i = 0; i < v.length; i++) h = (Math.imul(31, h) + v.charCodeAt(i)) | 0;
    return h;
  }
  if (typeof v === 'boolean') return v ? 1231 : 1237;
  if (typeof v === 'number' && Number.isInteger(v)) {
    if (v >= -(2 ** 31) && v < 2 ** 31) return v | 0;
    const big = BigInt.asIntN(64, BigInt(v));
    return Number(BigInt.asIntN(32, big ^ (big >> 32n)));
  }
  if (typeof v === 'bigint')
    return Number(BigInt.asIntN(32, BigInt.asIntN(64, v) ^ (BigInt.asIntN(64, v) >> 32n)));
  return javaHash(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) ?? '');
}

function murmur3(text: string, seed = 0): number {
  const data = Buffer.from(text, 'utf8');
  let h = seed | 0;
  const nblocks = data.length >> 2;
  for (let i = 0; i < nblocks; i++) {
    let k = data.readInt32LE(i * 4);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = nblocks * 4;
  const rest = data.length & 3;
  if (rest > 0) {
    let k = 0;
    for (let r = rest - 1; r >= 0; r--) k ^= data[tail + r]! << (8 * r);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Debezium's PartitionRouting: chooses the partition from a hash of payload fields. */
export const partitionRoutingPlugin = debeziumTransform(
  {
    name: 'PartitionRouting',
    debeziumClass: 'io.debezium.transforms.partitions.PartitionRouting',
    doc: 'Routes change events to a partition computed from a hash of the configured payload fields, modulo partition.topic.num.',
    configSpec: spec,
  },
  (config) => {
    const paths = config['partition.payload.fields'].map((f) => f.split('.'));
    const hash =
      config['partition.hash.function'] === 'murmur' ? (v: unknown) => murmur3(String(v)) : javaHash;
    return {
      apply<R extends ConnectRecord>(record: R): R {
        if (!isEnvelope(record.valueSchema, record.value)) return record;
        const env = record.value;
        const isDelete = env.op === 'd';
        const values = paths
          .map((p) => valueAt(env, p[0] === 'after' && isDelete ? ['before', ...p.slice(1)] : p))
          .filter((v) => v !== undefined && v !== null);
        if (values.length === 0)
          throw new DataError(
            `None of the fields ${config['partition.payload.fields'].join(', ')} is present in the event`,
          );
        let h = 0;
        for (const v of values) h = (Math.imul(31, h) + hash(v)) | 0;
        return { ...record, kafkaPartition: Math.abs(h % config['partition.topic.num']) };
      },
    };
  },
);
