/**
 * `npm run bench -- json-converter [count]`: JsonConverter with schemas.enable on a Debezium-shaped record,
 * both directions, against the straightforward implementation: JSON.stringify / JSON.parse of the whole
 * `{schema, payload}` envelope, with the schema object and the payload values prepared beforehand (that
 * baseline does no type checks and loses int64 precision beyond 2^53).
 */
import { decimalSchema, SchemaBuilder, Schemas } from '../../src/api/index.ts';
import { JsonConverter } from '../../src/log/converters/index.ts';
import { jsonConverterConfig } from '../../src/log/converters/json-converter.ts';
import { printMeasurement, printRatio, timed } from './report.ts';

export async function run(args: string[]): Promise<void> {
  const count = Number(args[0] ?? 200_000);
  const row = SchemaBuilder.struct()
    .name('srv.inventory.orders.Value')
    .optional()
    .field('id', Schemas.INT64)
    .field('customer', Schemas.STRING)
    .field('quantity', Schemas.INT32)
    .field('price', decimalSchema(2, 10).build())
    .field('note', Schemas.OPTIONAL_STRING)
    .field('created', SchemaBuilder.int64().name('io.debezium.time.MicroTimestamp').version(1).build())
    .build();
  const schema = SchemaBuilder.struct()
    .name('srv.inventory.orders.Envelope')
    .field('before', row)
    .field('after', row)
    .field('op', Schemas.STRING)
    .field('ts_ms', Schemas.OPTIONAL_INT64)
    .build();
  const values = Array.from({ length: 1000 }, (_, i) => ({
    before: null,
    after: {
      id: 1000 + i,
      customer: `customer-${i}`,
      quantity: i % 7,
      price: { unscaled: BigInt(i * 137), scale: 2 },
      note: i % 3 ? null : 'gift',
      created: 1_700_000_000_000_000 + i,
    },
    op: 'c',
    ts_ms: 1_700_000_000_000 + i,
  }));
  const converter = new JsonConverter(jsonConverterConfig.parse({}));
  const schemaObject = (
    JSON.parse(Buffer.from(converter.fromConnectData('t', schema, values[0])!).toString()) as {
      schema: unknown;
    }
  ).schema;
  const plain = values.map((v) => ({
    schema: schemaObject,
    payload: { ...v, after: { ...v.after, price: 'AIk=' } },
  }));

  let bytes = 0;
  const encoded: Uint8Array[] = [];
  const write = await timed(() => {
    for (let i = 0; i < count; i++) {
      const b = converter.fromConnectData('t', schema, values[i % 1000])!;
      bytes += b.length;
      if (i < 1000) encoded.push(b);
    }
  });
  const seamWrite = { label: 'seam JsonConverter write', items: count, bytes, seconds: write.seconds };
  const baseWrite = await timed(() => {
    for (let i = 0; i < count; i++) Buffer.from(JSON.stringify(plain[i % 1000]), 'utf8');
  });
  const baselineWrite = {
    label: 'baseline JSON.stringify envelope',
    items: count,
    seconds: baseWrite.seconds,
  };
  const read = await timed(() => {
    for (let i = 0; i < count; i++) converter.toConnectData('t', encoded[i % 1000]!);
  });
  const seamRead = { label: 'seam JsonConverter read', items: count, bytes, seconds: read.seconds };
  const plainBytes = plain.map((p) => Buffer.from(JSON.stringify(p)));
  const baseRead = await timed(() => {
    for (let i = 0; i < count; i++) JSON.parse(plainBytes[i % 1000]!.toString('utf8'));
  });
  const baselineRead = { label: 'baseline JSON.parse envelope', items: count, seconds: baseRead.seconds };
  for (const m of [seamWrite, baselineWrite, seamRead, baselineRead]) printMeasurement(m);
  printRatio('write vs stringify envelope', seamWrite, baselineWrite);
  printRatio('read vs parse envelope', seamRead, baselineRead);
}
