import { describe, expect, it } from 'vitest';
import {
  type ConnectRecord,
  changeEvent,
  DataError,
  envelopeSchema,
  type Schema,
  SchemaBuilder,
  Schemas,
  sourceRecord,
  type Transformation,
} from '../../src/api/index.ts';
import { hooksOf, type TransformHooks, withHooks } from '../../src/api/transform-hooks.ts';
import { PluginRegistry } from '../../src/plugins/registry.ts';
import { TransformChain, type TransformStep } from '../../src/runtime/transform-chain.ts';
import { builtinPredicates, builtinTransforms } from '../../transforms/index.ts';

/**
 * Fused runs of field-plan steps (ExtractNewRecordState, ReplaceField, InsertField, RegexRouter, Cast):
 * `chain.apply` must give exactly what the steps give one by one — same keys in the same order, same
 * values, same schema objects, same topic — and the same errors naming the same step. Every case also
 * checks whether the run was fused, by counting calls of the steps' own apply/applyTo.
 */

const registry = new PluginRegistry([...builtinTransforms(), ...builtinPredicates()]);

const ROW: Schema = SchemaBuilder.struct()
  .name('db.public.orders.Value')
  .optional()
  .field('id', Schemas.INT32)
  .field('customer_id', Schemas.INT64)
  .field('status', SchemaBuilder.string().optional().defaultValue('NEW').build())
  .field('amount', Schemas.OPTIONAL_FLOAT64)
  .field('note', Schemas.OPTIONAL_STRING)
  .build();
const PLAIN_ROW: Schema = SchemaBuilder.struct()
  .name('db.public.orders.Value')
  .optional()
  .field('id', Schemas.INT32)
  .field('amount', Schemas.OPTIONAL_FLOAT64)
  .field('note', Schemas.OPTIONAL_STRING)
  .build();
const SOURCE: Schema = SchemaBuilder.struct()
  .field('ts_ms', Schemas.INT64)
  .field('table', Schemas.STRING)
  .build();

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

function events(row: Schema): [string, ConnectRecord][] {
  const env = envelopeSchema('db.public.orders.Envelope', row, SOURCE);
  const source = { ts_ms: 5, table: 'orders' };
  const notPlain = Object.assign(Object.create({ kind: 'not plain' }), source);
  const full = { id: 1, customer_id: 7, status: 'PAID', amount: 2.5, note: 'n' };
  // Optional fields null (defaults apply) and absent keys (a row read as `row[name]`).
  const sparse = { id: 2, customer_id: 8, status: null, amount: 0.1 };
  const rec = (value: unknown, valueSchema: Schema | null = env) =>
    deepFreeze(sourceRecord({ topic: 'db.public.orders', valueSchema, value, timestamp: 99 }));
  return [
    ['insert', rec(changeEvent('c', { after: full, source }))],
    ['update, sparse row', rec(changeEvent('u', { before: full, after: sparse, source }))],
    ['delete', rec(changeEvent('d', { before: full, after: null, source }))],
    // source.ts_ms is read through a path that needs a plain object at each step (else null).
    ['insert, null source', rec(changeEvent('c', { after: full, source: null as never }))],
    ['insert, source not a plain object', rec(changeEvent('c', { after: full, source: notPlain }))],
    ['tombstone', rec(null)],
    ['plain row', rec(full, row)],
    ['schemaless row', rec({ ...full }, null)],
  ];
}

/** The chain with every step's own apply and applyTo hook counted (plans forwarded unchanged). */
function counted(config: Record<string, string>): { chain: TransformChain; calls: () => number } {
  let calls = 0;
  const base = TransformChain.fromConfig(config, registry);
  const steps = base.steps.map((s): TransformStep => {
    const t = s.transformation;
    const wrapped: Transformation = {
      apply: (r) => {
        calls++;
        return t.apply(r);
      },
    };
    const own = hooksOf(t);
    if (own !== null) {
      const hooks: TransformHooks = {};
      if (own.applyTo) {
        const applyTo = own.applyTo.bind(own);
        hooks.applyTo = (d) => {
          calls++;
          return applyTo(d);
        };
      }
      if (own.fieldPlan) hooks.fieldPlan = own.fieldPlan.bind(own);
      if (own.entryPlan) hooks.entryPlan = own.entryPlan.bind(own);
      withHooks(wrapped, hooks);
    }
    return { ...s, transformation: wrapped };
  });
  return { chain: new TransformChain(steps), calls: () => calls };
}

/** JSON with bigints (the envelope's ts_ns), to compare key order. */
function json(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
}

function stepByStep(chain: TransformChain, input: ConnectRecord): ConnectRecord | null {
  let out: ConnectRecord | null = input;
  for (let i = 0; i < chain.steps.length && out !== null; i++) out = chain.applyStep(i, out);
  return out;
}

function outcome(f: () => ConnectRecord | null): { out: ConnectRecord | null } | { error: string } {
  try {
    return { out: f() };
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return { error: (e as Error).message };
  }
}

const T = 'org.apache.kafka.connect.transforms.';
const unwrap = (extra: Record<string, string> = {}) => ({
  'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
  'transforms.unwrap.add.fields': 'op,source.ts_ms',
  ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`transforms.unwrap.${k}`, v])),
});
const replace = {
  'transforms.drop.type': `${T}ReplaceField$Value`,
  'transforms.drop.exclude': 'note',
  'transforms.drop.renames': 'customer_id:customer',
};
const insert = {
  'transforms.insert.type': `${T}InsertField$Value`,
  'transforms.insert.static.field': 'origin',
  'transforms.insert.static.value': 'seam',
  'transforms.insert.topic.field': 'topic',
  'transforms.insert.timestamp.field': 'ts',
};
const route = {
  'transforms.route.type': `${T}RegexRouter`,
  'transforms.route.regex': '([^.]+)\\.([^.]+)\\.([^.]+)',
  'transforms.route.replacement': '$3',
};
const cast = { 'transforms.cast.type': `${T}Cast$Value`, 'transforms.cast.spec': 'amount:string,id:int64' };

/** [label, config, row schema, [the event checked, whether every step of it is fused]]. */
const CASES: [string, Record<string, string>, Schema, [string, boolean]][] = [
  [
    'unwrap-drop-insert-route-cast',
    { transforms: 'unwrap,drop,insert,route,cast', ...unwrap(), ...replace, ...insert, ...route, ...cast },
    ROW,
    ['insert', true],
  ],
  [
    'same without field defaults (spread copies)',
    { transforms: 'unwrap,drop,insert,route,cast', ...unwrap(), ...replace, ...insert, ...route, ...cast },
    PLAIN_ROW,
    ['insert', true],
  ],
  [
    'replace.null.with.default=false',
    {
      transforms: 'unwrap,drop,insert,cast',
      ...unwrap({ 'replace.null.with.default': 'false' }),
      ...replace,
      ...insert,
      'transforms.insert.replace.null.with.default': 'false',
      ...cast,
      'transforms.cast.replace.null.with.default': 'false',
    },
    ROW,
    ['insert', true],
  ],
  [
    'unwrap without add.fields (row shared), then route and cast',
    {
      transforms: 'unwrap,route,cast',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      ...route,
      ...cast,
    },
    PLAIN_ROW,
    ['insert', true],
  ],
  [
    'rewrite mode (__deleted)',
    {
      transforms: 'unwrap,insert,cast',
      ...unwrap({ 'delete.tombstone.handling.mode': 'rewrite' }),
      ...insert,
      ...cast,
    },
    ROW,
    ['insert', true],
  ],
  [
    'route before an insert reading the topic: run ends at the insert',
    { transforms: 'unwrap,route,insert,cast', ...unwrap(), ...route, ...insert, ...cast },
    ROW,
    ['insert', true],
  ],
  [
    'renames swapping two names, then an insert and a cast',
    {
      transforms: 'drop,insert,cast',
      'transforms.drop.type': `${T}ReplaceField$Value`,
      'transforms.drop.renames': 'note:id,id:note',
      'transforms.insert.type': `${T}InsertField$Value`,
      'transforms.insert.static.field': 'origin',
      'transforms.insert.static.value': 'x',
      'transforms.cast.type': `${T}Cast$Value`,
      'transforms.cast.spec': 'note:string',
    },
    PLAIN_ROW,
    ['plain row', true],
  ],
  [
    'a cast that fails names the cast step',
    {
      transforms: 'unwrap,drop,cast',
      ...unwrap(),
      ...replace,
      'transforms.cast.type': `${T}Cast$Value`,
      'transforms.cast.spec': 'status:int32',
    },
    ROW,
    ['insert', false],
  ],
  [
    'an offset field on a source record names the insert step',
    {
      transforms: 'unwrap,insert,cast',
      ...unwrap(),
      'transforms.insert.type': `${T}InsertField$Value`,
      'transforms.insert.offset.field': 'off',
      ...cast,
    },
    ROW,
    ['insert', false],
  ],
  [
    'a predicate between steps splits the run',
    {
      transforms: 'unwrap,drop,cast',
      ...unwrap(),
      ...replace,
      ...cast,
      'transforms.drop.predicate': 'orders',
      predicates: 'orders',
      'predicates.orders.type': `${T}predicates.TopicNameMatches`,
      'predicates.orders.pattern': '.*orders',
    },
    ROW,
    ['insert', false],
  ],
  [
    'add.headers: unwrap not planned',
    { transforms: 'unwrap,drop,cast', ...unwrap({ 'add.headers': 'op' }), ...replace, ...cast },
    ROW,
    ['insert', false],
  ],
  [
    'Cast$Key after a value step does not fuse',
    {
      transforms: 'unwrap,ck',
      ...unwrap(),
      'transforms.ck.type': `${T}Cast$Key`,
      'transforms.ck.spec': 'id:string',
    },
    ROW,
    ['insert', false],
  ],
];

describe('fused field-plan runs', () => {
  for (const [label, config, row, [checked, fused]] of CASES) {
    it(`${label}: same records and errors as step by step`, () => {
      const { chain, calls } = counted(config);
      for (const [kind, input] of events(row)) {
        const expected = outcome(() => stepByStep(chain, input));
        const before = calls();
        const got = outcome(() => chain.apply(input));
        const ownCalls = calls() - before;
        expect(got, `${kind}`).toEqual(expected);
        if ('out' in got && 'out' in expected && got.out !== null && expected.out !== null) {
          expect(json(got.out), `${kind}: key order`).toBe(json(expected.out));
          expect(got.out.valueSchema, `${kind}: schema object`).toBe(expected.out.valueSchema);
        }
        if (kind === checked) {
          if (fused) expect(ownCalls, `${kind}: fused, no step runs its own code`).toBe(0);
          else expect(ownCalls, `${kind}: some step runs alone`).toBeGreaterThan(0);
        }
      }
    });
  }

  it('builds the bench chain value once: no step runs its own apply for an insert', () => {
    const { chain, calls } = counted(CASES[0]![1]);
    const [, input] = events(ROW)[0]!;
    expect(chain.apply(input)?.value).toEqual({
      id: 1,
      customer: 7,
      status: 'PAID',
      amount: '2.5',
      __op: 'c',
      __source_ts_ms: 5,
      topic: 'db.public.orders',
      origin: 'seam',
      ts: 99,
    });
    expect(chain.apply(input)?.topic).toBe('orders');
    expect(calls()).toBe(0);
  });
});
