/**
 * `npm run bench -- transforms [records] [rounds]`: Debezium change events through ExtractNewRecordState +
 * ReplaceField + InsertField + RegexRouter + Cast, against the same records through an empty chain.
 * Both runs build each record the same way inside the same loop and call `chain.apply`, so the ratio
 * measures only the five transforms; the two alternate in slices so both see the same machine load.
 * Goal: the 5-transform chain keeps ≥ 0.5 of the empty chain's rate.
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
import { BENCHMARK_CHAIN } from '../helpers/benchmark-chain.ts';
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

const FULL = BENCHMARK_CHAIN;

/** Outputs are kept in a ring, as a pipeline hands them on, so neither loop can skip building them. */
const ring: unknown[] = new Array(4096);

/** Seconds to pass records `from` … `to` - 1 through `chain`. */
function timeSlice(chain: TransformChain, from: number, to: number): number {
  let kept = 0;
  const start = process.hrtime.bigint();
  for (let i = from; i < to; i++) {
    const out = chain.apply(record(i));
    if (out !== null) ring[kept++ & 4095] = out;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (kept !== to - from) throw new Error(`${to - from - kept} records were dropped`);
  return seconds;
}

const SLICES = 10;

/**
 * One round: both chains take the same n records, alternating in slices of n/10, so a noisy neighbour on
 * the shared machine slows both alike (best-of per side would pair runs from different moments).
 */
function round(empty: TransformChain, full: TransformChain, n: number): [Measurement, Measurement] {
  let e = 0;
  let f = 0;
  for (let s = 0; s < SLICES; s++) {
    const from = Math.floor((s * n) / SLICES);
    const to = Math.floor(((s + 1) * n) / SLICES);
    e += timeSlice(empty, from, to);
    f += timeSlice(full, from, to);
  }
  return [
    { label: 'empty chain', items: n, seconds: e },
    { label: '5-transform chain', items: n, seconds: f },
  ];
}

export async function run(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 1_000_000);
  const rounds = Number(args[1] ?? 3);
  const registry = builtinRegistry();
  const empty = TransformChain.fromConfig({}, registry);
  const full = TransformChain.fromConfig(FULL, registry);
  const sample = full.apply(record(1));
  console.log(`output sample: topic=${sample?.topic} value=${JSON.stringify(sample?.value)}`);
  round(empty, full, 200_000); // warm-up
  const results: [Measurement, Measurement][] = [];
  for (let r = 0; r < rounds; r++) results.push(round(empty, full, n));
  // The round with the median ratio (each round's two figures come from the same moments).
  results.sort((a, b) => a[0].seconds / a[1].seconds - b[0].seconds / b[1].seconds);
  const [baseline, seam] = results[Math.floor(results.length / 2)]!;
  console.log(
    `${n} records per chain per round, interleaved in ${SLICES} slices; median of ${rounds} rounds`,
  );
  printMeasurement(baseline);
  printMeasurement(seam);
  printRatio('5-transform / empty', seam, baseline, 0.5);
}
