import type { Pgoutput } from 'pg-logical-replication';
import { RowDecoder } from '../../../connectors/postgres/stream/row-decoder.ts';
import { generateFunction } from '../../../src/api/code-generation.ts';
import {
  changeEvent,
  decimalSchema,
  envelopeSchema,
  SchemaBuilder,
  Schemas,
  sourceRecord,
  timestampSchema,
} from '../../../src/api/index.ts';
import { JsonConverter, jsonConverterConfig } from '../../../src/log/converters/json-converter.ts';
import { JsonWriter } from '../../../src/log/converters/json-writer.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { TransformChain } from '../../../src/runtime/transform-chain.ts';
import { builtinPredicates, builtinTransforms } from '../../../transforms/index.ts';
import { compileCopier } from '../../../transforms/support/struct-copier.ts';

/**
 * One pass through every runtime code generator (JSON writer and encoder through the converter, transform
 * fusion and the struct copier through a transform chain, the PostgreSQL row decoder), as printable text.
 * code-generation.test.ts compares this with code generation allowed, forced off in process, and refused
 * by node itself (`--disallow-code-generation-from-strings`, this file run as a script).
 */
export function sample(): { generated: boolean; outputs: string[] } {
  const outputs: string[] = [];
  const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));

  const inner = SchemaBuilder.struct().optional().field('a', Schemas.OPTIONAL_STRING).build();
  const row = SchemaBuilder.struct()
    .optional()
    .field('id', Schemas.INT32)
    .field('name "quoted" ✓', Schemas.OPTIONAL_STRING)
    .field('a field name long enough to be copied rather than unrolled', Schemas.OPTIONAL_INT64)
    .field('withDefault', SchemaBuilder.string().optional().defaultValue('fallback').build())
    .field('amount', decimalSchema(2).optional().build())
    .field('at', timestampSchema().optional().build())
    .field('inner', inner)
    .field('tags', SchemaBuilder.array(Schemas.STRING).optional().build())
    .field('__proto__', Schemas.OPTIONAL_STRING)
    .field('empty', SchemaBuilder.struct().optional().build())
    .build();
  const rows = [1, 2, 3].map((id) => ({
    id,
    'name "quoted" ✓': id === 2 ? null : `row ${id} ✓`,
    'a field name long enough to be copied rather than unrolled': id === 3 ? 7 : 1700000000000000001n,
    withDefault: id === 1 ? null : 'set',
    amount: { unscaled: BigInt(id * 125), scale: 2 },
    at: new Date(1_700_000_000_000 + id),
    inner: id === 3 ? null : { a: `a${id}` },
    tags: ['x', `t${id}`],
    ['__proto__']: 'own',
    empty: {},
  }));
  for (const numeric of [false, true]) {
    const converter = new JsonConverter(
      jsonConverterConfig.parse({ 'decimal.format': numeric ? 'NUMERIC' : 'BASE64' }),
    );
    for (const r of rows) outputs.push(Buffer.from(converter.fromConnectData('t', row, r)!).toString('utf8'));
    // JsonWriter's own struct writer (the converter writes with the encoder, and with this on a refusal).
    const writer = new JsonWriter({ decimalNumeric: numeric, replaceNullWithDefault: !numeric });
    for (const r of rows) outputs.push(writer.write(row, r));
    // A value the schema refuses: the encoder's signal, then JsonWriter's message naming the field.
    try {
      converter.fromConnectData('t', row, { ...rows[0], id: 'not a number' });
    } catch (e) {
      outputs.push(`refused: ${(e as Error).message}`);
    }
  }

  const registry = new PluginRegistry([...builtinTransforms(), ...builtinPredicates()]);
  const chain = TransformChain.fromConfig(
    {
      transforms: 'unwrap,rename,insert,route,cast',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.unwrap.add.fields': 'op,source.ts_ms',
      'transforms.rename.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value',
      'transforms.rename.renames': 'customer_id:customer',
      'transforms.rename.exclude': 'note',
      'transforms.insert.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
      'transforms.insert.topic.field': 'from_topic',
      'transforms.insert.static.field': 'origin',
      'transforms.insert.static.value': 'pg',
      'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
      'transforms.route.regex': 'db\\.public\\.(.*)',
      'transforms.route.replacement': 'out.$1',
      'transforms.cast.type': 'org.apache.kafka.connect.transforms.Cast$Value',
      'transforms.cast.spec': 'amount:string',
    },
    registry,
  );
  const table = SchemaBuilder.struct()
    .optional()
    .field('id', Schemas.INT32)
    .field('customer_id', Schemas.INT64)
    .field('amount', Schemas.OPTIONAL_FLOAT64)
    .field('note', Schemas.OPTIONAL_STRING)
    .build();
  const env = envelopeSchema(
    'db.public.orders.Envelope',
    table,
    SchemaBuilder.struct().field('ts_ms', Schemas.INT64).build(),
  );
  for (const [id, op] of [
    [1, 'c'],
    [2, 'u'],
    [3, 'd'],
  ] as const) {
    const after = { id, customer_id: 7, amount: id * 1.25, note: 'n' };
    const value = changeEvent(op, { before: after, after: op === 'd' ? null : after, source: { ts_ms: id } });
    const out = chain.apply(sourceRecord({ topic: 'db.public.orders', valueSchema: env, value }));
    outputs.push(
      json({ topic: out?.topic, value: out?.value, fields: out?.valueSchema?.fields?.map((f) => f.name) }),
    );
  }
  const copy = compileCopier<{ n: number }>({
    spread: true,
    fields: [
      { name: 'b', from: 'a', fallback: 'fb', map: (v) => `<${String(v)}>` },
      { name: 'c', get: (c: { n: number }) => c.n * 2 },
      { name: 'a', from: 'missing', fallback: null },
    ],
  });
  outputs.push(json(copy({ a: 1, z: 2 }, { n: 21 })), json(copy({ a: null }, { n: 1 })));

  outputs.push(...rowDecoderOutputs());
  return { generated: generateFunction([], 'return 1') !== null, outputs };
}

function rowDecoderOutputs(): string[] {
  const columns = ['id', 'Mixed "Case"', '__proto__', 'constructor', 'doc'];
  const relation = {
    tag: 'relation',
    relationOid: 7,
    schema: 'public',
    name: 't',
    replicaIdentity: 'default',
    columns: columns.map((name, i) => ({
      name,
      flags: i < 2 ? 1 : 0,
      typeOid: 25,
      typeMod: -1,
      typeSchema: null,
      typeName: null,
      parser: (t: string) => t,
    })),
    keyColumns: ['id', 'Mixed "Case"'],
  } as unknown as Pgoutput.MessageRelation;
  const int32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  const tuple = (cells: readonly (string | null | 'TOAST')[]) =>
    Buffer.concat([
      Buffer.from([0, cells.length]),
      ...cells.map((c) =>
        c === null
          ? Buffer.from('n')
          : c === 'TOAST'
            ? Buffer.from('u')
            : Buffer.concat([Buffer.from('t'), int32(Buffer.byteLength(c)), Buffer.from(c)]),
      ),
    ]);
  const decoder = new RowDecoder();
  decoder.relation(relation);
  const messages = [
    Buffer.concat([Buffer.from('I'), int32(7), Buffer.from('N'), tuple(['1', 'k', 'p', 'c', 'ü ✓'])]),
    Buffer.concat([
      Buffer.from('U'),
      int32(7),
      Buffer.from('O'),
      tuple(['1', 'k', null, 'c', 'old']),
      Buffer.from('N'),
      tuple(['2', 'k', 'p', null, 'TOAST']),
    ]),
    Buffer.concat([Buffer.from('D'), int32(7), Buffer.from('K'), tuple(['1', 'k', null, null, null])]),
  ];
  return messages.map((m) => {
    const d = decoder.decode(m) as unknown as Record<string, unknown>;
    const part = (t: unknown) =>
      t === null || t === undefined
        ? t
        : Object.entries(t as object).map(([k, v]) => [k, v === undefined ? '(undefined)' : v]);
    return JSON.stringify({ tag: d.tag, new: part(d.new), old: part(d.old), key: part(d.key) });
  });
}

if (import.meta.main) process.stdout.write(JSON.stringify(sample()));
