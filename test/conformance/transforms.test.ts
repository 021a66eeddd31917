import { describe, expect, it } from 'vitest';
import {
  ConnectError,
  type ConnectRecord,
  DataError,
  envelopeSchema,
  type Schema,
  SchemaBuilder,
  Schemas,
  sourceRecord,
  timestampSchema,
} from '../../src/api/index.ts';
import { PluginRegistry } from '../../src/plugins/registry.ts';
import { TransformChain, validateTransformConfig } from '../../src/runtime/transform-chain.ts';
import { builtinPredicates, builtinTransforms } from '../../transforms/index.ts';

/**
 * The shared conformance suite every transform and predicate passes: metadata complete, input never
 * mutated (deep-frozen, compared after the call), schema'd and schemaless records and tombstones handled
 * (a result, a drop, or a DataError — never another error), rebuilt schemas cached, invalid configs
 * rejected with every problem, predicates honouring negate.
 */

const transforms = builtinTransforms();
const predicates = builtinPredicates();
const registry = new PluginRegistry([...transforms, ...predicates]);

/** A working config per transform, by simple name (without $Key / $Value). */
const SAMPLE: Record<string, Record<string, string>> = {
  InsertField: { 'static.field': 'src', 'static.value': 'seam', 'topic.field': 'topic' },
  ReplaceField: { exclude: 'name', renames: 'id:ident' },
  MaskField: { fields: 'name' },
  ValueToKey: { fields: 'id' },
  HoistField: { field: 'wrapped' },
  ExtractField: { field: 'id' },
  Cast: { spec: 'id:string' },
  TimestampRouter: {},
  RegexRouter: { regex: '(.*)', replacement: 'routed-$1' },
  Flatten: {},
  Filter: {},
  TimestampConverter: { field: 'ts', 'target.type': 'string', format: 'yyyy-MM-dd' },
  SetSchemaMetadata: { 'schema.name': 'renamed', 'schema.version': '3' },
  HeaderFrom: { fields: 'id', headers: 'hid', operation: 'move' },
  InsertHeader: { header: 'h', 'value.literal': '42' },
  DropHeaders: { headers: 'h' },
  ExtractNewRecordState: { 'add.fields': 'op,table', 'delete.tombstone.handling.mode': 'rewrite' },
  EventRouter: {},
  ByLogicalTableRouter: { 'topic.regex': 'db\\.(.*)', 'topic.replacement': 'all' },
  HeaderToValue: { headers: 'h', fields: 'fromHeader', operation: 'copy' },
  TimezoneConverter: { 'converted.timezone': '+02:00' },
  PartitionRouting: { 'partition.payload.fields': 'after.id', 'partition.topic.num': '3' },
  ContentFilter: { condition: "value.op == 'c'" },
  ContentBasedRouter: { 'topic.expression': "'routed'" },
};
const PREDICATE_SAMPLE: Record<string, Record<string, string>> = {
  TopicNameMatches: { pattern: 'db\\..*' },
  HasHeaderKey: { name: 'h' },
  RecordIsTombstone: {},
};

function simpleName(className: string): string {
  return className.slice(className.lastIndexOf('.') + 1).replace(/\$(Key|Value)$/, '');
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

const row: Schema = SchemaBuilder.struct()
  .name('db.public.users.Value')
  .optional()
  .field('id', Schemas.INT32)
  .field('name', Schemas.OPTIONAL_STRING)
  .field('ts', timestampSchema().optional().build())
  .field('nested', SchemaBuilder.struct().optional().field('x', Schemas.OPTIONAL_INT64).build())
  .build();
const keySchema = SchemaBuilder.struct().name('db.public.users.Key').field('id', Schemas.INT32).build();
const source = SchemaBuilder.struct()
  .field('table', Schemas.STRING)
  .field('lsn', Schemas.OPTIONAL_INT64)
  .build();
const envSchema = envelopeSchema('db.public.users.Envelope', row, source);
const rowValue = { id: 1, name: 'ann', ts: 1_700_000_000_000, nested: { x: 5 } };
const headers = [{ key: 'h', value: 'v', schema: Schemas.STRING }];

function samples(): [string, ConnectRecord][] {
  const base = { topic: 'db.public.users', timestamp: 1_700_000_000_000, headers };
  const envelope = {
    before: null,
    after: rowValue,
    source: { table: 'users', lsn: 10 },
    transaction: null,
    op: 'c',
    ts_ms: 1,
    ts_us: 1000,
    ts_ns: 1_000_000,
  };
  return [
    [
      'schema struct',
      sourceRecord({ ...base, keySchema, key: { id: 1 }, valueSchema: row, value: rowValue }),
    ],
    ['schemaless map', sourceRecord({ ...base, key: { id: 1 }, value: { ...rowValue } })],
    [
      'envelope',
      sourceRecord({ ...base, keySchema, key: { id: 1 }, valueSchema: envSchema, value: envelope }),
    ],
    [
      'delete envelope',
      sourceRecord({
        ...base,
        keySchema,
        key: { id: 1 },
        valueSchema: envSchema,
        value: { ...envelope, op: 'd', before: rowValue, after: null },
      }),
    ],
    [
      'tombstone with schema',
      sourceRecord({ ...base, keySchema, key: { id: 1 }, valueSchema: row, value: null }),
    ],
    ['tombstone', sourceRecord({ ...base, key: { id: 1 }, value: null })],
  ];
}

function configFor(className: string, alias = 't'): Record<string, string> {
  const own = SAMPLE[simpleName(className)];
  if (!own) throw new Error(`no sample config for ${className}`);
  const out: Record<string, string> = { transforms: alias, [`transforms.${alias}.type`]: className };
  for (const [k, v] of Object.entries(own)) out[`transforms.${alias}.${k}`] = v;
  return out;
}

describe('every transform plugin', () => {
  it('has a sample config here (so a new plugin cannot skip the suite)', () => {
    for (const p of transforms) expect(SAMPLE[simpleName(p.className)], p.className).toBeDefined();
  });

  for (const plugin of transforms) {
    describe(plugin.className, () => {
      it('declares className, Kafka/Debezium aliases, version, doc and a documented config spec', () => {
        expect(plugin.kind).toBe('transformation');
        expect(plugin.aliases.length).toBeGreaterThan(0);
        expect(
          plugin.aliases.some((a) => a.startsWith('org.apache.kafka.') || a.startsWith('io.debezium.')),
        ).toBe(true);
        expect(plugin.version).toMatch(/^\d+\.\d+\.\d+/);
        expect(plugin.doc.length).toBeGreaterThan(20);
        for (const k of plugin.configSpec.keys) {
          expect(k.doc.length, k.name).toBeGreaterThan(5);
          expect(k.importance, k.name).toBeDefined();
        }
        for (const alias of plugin.aliases) expect(registry.find(alias)).toBe(plugin);
      });

      it('leaves deep-frozen inputs unchanged and handles schema, schemaless and tombstone records', () => {
        const chain = TransformChain.fromConfig(configFor(plugin.className), registry);
        for (const [label, record] of samples()) {
          const frozen = deepFreeze(record);
          const before = structuredClone(frozen);
          let out: ConnectRecord | null = null;
          try {
            out = chain.apply(frozen);
          } catch (e) {
            expect(e, `${label}: ${(e as Error).message}`).toBeInstanceOf(ConnectError);
            expect(e instanceof DataError || (e as ConnectError).code === 'seam.fatal', label).toBe(true);
          }
          expect(frozen, label).toEqual(before);
          if (out !== null) {
            // The chain's shared-draft path (applyTo) gives what the plugin's own apply gives, key order too.
            const own = chain.applyStep(0, frozen);
            expect(own, `${label}: apply vs applyTo`).toEqual(out);
            expect(Object.keys(own?.value ?? {}), label).toEqual(Object.keys(out.value ?? {}));
          }
          if (out?.valueSchema && frozen.valueSchema && out.valueSchema !== frozen.valueSchema) {
            // Rebuilt schemas are cached per input schema object, not rebuilt per record.
            expect(chain.apply(frozen)?.valueSchema, `${label}: cached schema`).toBe(out.valueSchema);
          }
        }
        chain.close();
      });

      it('rejects a config missing its required keys, listing every one', () => {
        const required = plugin.configSpec.keys.filter((k) => k.required).map((k) => k.name);
        const problems = validateTransformConfig(
          { transforms: 'x', 'transforms.x.type': plugin.className },
          registry,
        );
        expect(problems.map((p) => p.key).sort()).toEqual(required.map((n) => `transforms.x.${n}`).sort());
      });
    });
  }
});

describe('every predicate plugin', () => {
  for (const plugin of predicates) {
    it(`${plugin.className}: metadata, purity, and negate flips the outcome`, () => {
      expect(plugin.kind).toBe('predicate');
      expect(
        plugin.aliases.some((a) => a.startsWith('org.apache.kafka.connect.transforms.predicates.')),
      ).toBe(true);
      expect(plugin.doc.length).toBeGreaterThan(20);
      const own = PREDICATE_SAMPLE[simpleName(plugin.className)]!;
      const base = (negate: boolean) => ({
        transforms: 'drop',
        'transforms.drop.type': 'org.apache.kafka.connect.transforms.Filter',
        'transforms.drop.predicate': 'p',
        'transforms.drop.negate': String(negate),
        predicates: 'p',
        'predicates.p.type': plugin.className,
        ...Object.fromEntries(Object.entries(own).map(([k, v]) => [`predicates.p.${k}`, v])),
      });
      const plain = TransformChain.fromConfig(base(false), registry);
      const negated = TransformChain.fromConfig(base(true), registry);
      const seen = new Set<boolean>();
      const records = [
        ...samples(),
        ['other', sourceRecord({ topic: 'other', value: 1 })] as [string, ConnectRecord],
      ];
      for (const [label, record] of records) {
        const frozen = deepFreeze(record);
        const before = structuredClone(frozen);
        const dropped = plain.apply(frozen) === null;
        expect(negated.apply(frozen) === null, label).toBe(!dropped);
        expect(frozen).toEqual(before);
        seen.add(dropped);
      }
      expect(seen.size, 'the samples exercise both outcomes').toBe(2);
    });
  }
});

describe('invalid chains', () => {
  it('are rejected at validation with all problems at once', () => {
    const problems = validateTransformConfig(
      {
        transforms: 'a,b,c,d',
        'transforms.a.type': 'org.apache.kafka.connect.transforms.InsertFeild$Value',
        'transforms.c.type': 'org.apache.kafka.connect.transforms.Cast$Value',
        'transforms.c.spec': 'x:nonsense',
        'transforms.d.type': 'io.debezium.transforms.Filter',
        'transforms.d.condition': 'value.op ==',
        'transforms.d.predicate': 'missing',
      },
      registry,
    );
    const byKey = new Map(problems.map((p) => [p.key, p.message]));
    expect(byKey.get('transforms.a.type')).toMatch(/InsertField\$Value/);
    expect(byKey.has('transforms.b.type')).toBe(true);
    expect(byKey.get('transforms.c.spec')).toMatch(/nonsense/);
    expect(byKey.get('transforms.d.condition')).toMatch(/Invalid expression/);
    expect(byKey.get('transforms.d.predicate')).toMatch(/not declared/);
  });
});
