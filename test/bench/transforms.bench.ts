/**
 * `npm run bench -- transforms [records] [rounds]`: Debezium change events through ExtractNewRecordState +
 * ReplaceField + InsertField + RegexRouter + Cast, against the same records through an empty chain.
 * Both runs build each record the same way inside the same loop and call `chain.apply`, so the ratio
 * measures only the five transforms. Goal: the 5-transform chain keeps ≥ 0.5 of the empty chain's rate.
 */
import {
  changeEvent,
  envelopeSchema,
  type Schema,
  SchemaBuilder,
  Schemas,
  sourceRecord,
} from '../../src/api/index.ts';
import { builtinRegistry } from '../../src/plugins/builtin.ts';
import { TransformChain } from '../../src/runtime/transform-chain.ts';
import { type Measurement, printMeasurement, printRatio } from './report.ts';

const ROW: Schema = SchemaBuilder.struct()
  .name('dbserver1.public.orders.Value')
  .optional()
  .field('id', Schemas.INT32)
  .field('customer_id', Schemas.INT64)
  .field('status', Schemas.OPTIONAL_STRING)
  .field('amount', Schemas.OPTIONAL_FLOAT64)
  .field('note', Schemas.OPTIONAL_STRING)
  .field('updated_at', Schemas.OPTIONAL_INT64)
  .build();
const KEY: Schema = SchemaBuilder.struct()
  .name('dbserver1.public.orders.Key')
  .field('id', Schemas.INT32)
  .build();
const SOURCE: Schema = SchemaBuilder.struct()
  .name('io.debezium.connector.postgresql.Source')
  .field('version', Schemas.STRING)
  .field('connector', Schemas.STRING)
  .field('name', Schemas.STRING)
  .field('ts_ms', Schemas.INT64)
  .field('db', Schemas.STRING)
  .field('schema', Schemas.STRING)
  .field('table', Schemas.STRING)
  .field('lsn', Schemas.OPTIONAL_INT64)
  .build();
const ENVELOPE = envelopeSchema('dbserver1.public.orders.Envelope', ROW, SOURCE);
const NOW_NS = 1_700_000_000_000_000_000n;

function record(i: number) {
  const source = {
    version: '0.1.0',
    connector: 'postgresql',
    name: 'dbserver1',
    ts_ms: 1_700_000_000_000 + i,
    db: 'shop',
    schema: 'public',
    table: 'orders',
    lsn: 1000 + i,
  };
  const after = {
    id: i,
    customer_id: i % 977,
    status: i % 3 === 0 ? 'NEW' : 'PAID',
    amount: i * 1.25,
    note: 'n',
    updated_at: 1_700_000_000_000 + i,
  };
  return sourceRecord({
    topic: 'dbserver1.public.orders',
    keySchema: KEY,
    key: { id: i },
    valueSchema: ENVELOPE,
    value: changeEvent(i % 10 === 9 ? 'u' : 'c', { after, source }, NOW_NS),
    timestamp: 1_700_000_000_000 + i,
  });
}

const FULL = {
  transforms: 'unwrap,drop,insert,route,cast',
  'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
  'transforms.unwrap.add.fields': 'op,source.ts_ms',
  'transforms.drop.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value',
  'transforms.drop.exclude': 'note',
  'transforms.drop.renames': 'customer_id:customer',
  'transforms.insert.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
  'transforms.insert.static.field': 'origin',
  'transforms.insert.static.value': 'seam',
  'transforms.insert.topic.field': 'topic',
  'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
  'transforms.route.regex': '([^.]+)\\.([^.]+)\\.([^.]+)',
  'transforms.route.replacement': '$3',
  'transforms.cast.type': 'org.apache.kafka.connect.transforms.Cast$Value',
  'transforms.cast.spec': 'amount:string,id:int64',
};

/** Outputs are kept in a ring, as a pipeline hands them on, so neither loop can skip building them. */
const ring: unknown[] = new Array(4096);

function measure(label: string, chain: TransformChain, n: number): Measurement {
  let kept = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const out = chain.apply(record(i));
    if (out !== null) ring[kept++ & 4095] = out;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (kept !== n) throw new Error(`${n - kept} records were dropped`);
  return { label, items: n, seconds };
}

/** Best of `rounds`, alternating with the other chain, so a noisy neighbour hurts both alike. */
function best(ms: Measurement[]): Measurement {
  return ms.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

export async function run(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 1_000_000);
  const registry = builtinRegistry();
  const empty = TransformChain.fromConfig({}, registry);
  const full = TransformChain.fromConfig(FULL, registry);
  const sample = full.apply(record(1));
  console.log(`output sample: topic=${sample?.topic} value=${JSON.stringify(sample?.value)}`);
  measure('warm-up empty', empty, 100_000);
  measure('warm-up chain', full, 100_000);
  const rounds = Number(args[1] ?? 3);
  const b: Measurement[] = [];
  const s: Measurement[] = [];
  for (let r = 0; r < rounds; r++) {
    b.push(measure('empty chain', empty, n));
    s.push(measure('5-transform chain', full, n));
  }
  const baseline = best(b);
  const seam = best(s);
  console.log(`${n} records per run, best of ${rounds} alternating runs`);
  printMeasurement(baseline);
  printMeasurement(seam);
  printRatio('5-transform / empty', seam, baseline, 0.5);
}
