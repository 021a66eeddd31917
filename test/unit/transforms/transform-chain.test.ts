import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  type ConnectRecord,
  changeEvent,
  DataError,
  envelopeSchema,
  SchemaBuilder,
  Schemas,
  sourceRecord,
} from '../../../src/api/index.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import {
  TransformChain,
  type TransformStep,
  validateTransformConfig,
} from '../../../src/runtime/transform-chain.ts';
import { builtinPredicates, builtinTransforms } from '../../../transforms/index.ts';
import { BENCHMARK_CHAIN } from '../../helpers/benchmark-chain.ts';

const registry = new PluginRegistry([...builtinTransforms(), ...builtinPredicates()]);

describe('TransformChain', () => {
  it('applies transforms in order, honouring predicate and negate', () => {
    const chain = TransformChain.fromConfig(
      {
        transforms: 'route,dropOthers',
        'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
        'transforms.route.regex': '(.*)\\.public\\.(.*)',
        'transforms.route.replacement': '$2',
        'transforms.dropOthers.type': 'org.apache.kafka.connect.transforms.Filter',
        'transforms.dropOthers.predicate': 'isOrders',
        'transforms.dropOthers.negate': 'true',
        predicates: 'isOrders',
        'predicates.isOrders.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
        'predicates.isOrders.pattern': 'orders',
      },
      registry,
    );
    expect(chain.aliases).toEqual(['route', 'dropOthers']);
    expect(chain.apply(sourceRecord({ topic: 'db.public.orders', value: 1 }))?.topic).toBe('orders');
    expect(chain.apply(sourceRecord({ topic: 'db.public.users', value: 1 }))).toBeNull();
    chain.close();
  });

  it('lists every problem at validation: unknown type with close matches, missing type, undeclared predicate', () => {
    const config = {
      transforms: 'a,b,c',
      'transforms.a.type': 'org.apache.kafka.connect.transforms.RegexRoutr',
      'transforms.c.type': 'RegexRouter',
      'transforms.c.predicate': 'nope',
      predicates: 'p',
      'predicates.p.type': 'TopicNameMatches',
    };
    const problems = validateTransformConfig(config, registry);
    const keys = problems.map((p) => p.key);
    expect(keys).toContain('transforms.a.type');
    expect(problems.find((p) => p.key === 'transforms.a.type')?.message).toMatch(
      /Did you mean .*RegexRouter/,
    );
    expect(keys).toContain('transforms.b.type');
    expect(keys).toContain('transforms.c.regex');
    expect(keys).toContain('transforms.c.replacement');
    expect(keys).toContain('transforms.c.predicate');
    expect(keys).toContain('predicates.p.pattern');
    expect(() => TransformChain.fromConfig(config, registry)).toThrow(ConfigError);
  });

  it('prefixes data errors with the alias', () => {
    const chain = TransformChain.fromConfig(
      { transforms: 'daily', 'transforms.daily.type': 'org.apache.kafka.connect.transforms.TimestampRouter' },
      registry,
    );
    expect(() => chain.apply(sourceRecord({ topic: 't', value: 1 }))).toThrow(DataError);
    expect(() => chain.apply(sourceRecord({ topic: 't', value: 1 }))).toThrow(/^daily: /);
    expect(chain.apply(sourceRecord({ topic: 't', value: 1, timestamp: Date.UTC(2024, 0, 2) }))?.topic).toBe(
      't-20240102',
    );
  });

  it('shares one draft between applyTo steps, never writing to a record a plain step or predicate saw', () => {
    const seen: ConnectRecord[] = [];
    const keeper: TransformStep = {
      alias: 'keep',
      transformation: {
        apply: (r) => {
          seen.push(r);
          return r;
        },
      },
      predicate: null,
      negate: false,
    };
    const route = (alias: string, topic: string): TransformStep => ({
      alias,
      transformation: registry
        .resolve('org.apache.kafka.connect.transforms.RegexRouter', 'transformation')
        .create({ regex: '.*', replacement: topic }),
      predicate: null,
      negate: false,
    });
    const chain = new TransformChain([route('a', 'one'), keeper, route('b', 'two'), route('c', 'three')]);
    const input = Object.freeze(sourceRecord({ topic: 'start', value: 1 }));
    const out = chain.apply(input);
    expect(out?.topic).toBe('three');
    expect(seen.map((r) => r.topic)).toEqual(['one']);
    expect(input.topic).toBe('start');
    let step: ConnectRecord | null = input;
    for (let i = 0; i < chain.steps.length && step !== null; i++) step = chain.applyStep(i, step);
    expect(out).toEqual(step);
  });

  it('gives the same records through apply as step by step for a Debezium unwrap-rename-insert-route-cast chain', () => {
    const row = SchemaBuilder.struct()
      .optional()
      .field('id', Schemas.INT32)
      .field('customer_id', Schemas.INT64)
      .field('amount', Schemas.OPTIONAL_FLOAT64)
      .field('note', Schemas.OPTIONAL_STRING)
      .build();
    const src = SchemaBuilder.struct().field('ts_ms', Schemas.INT64).build();
    const env = envelopeSchema('db.public.orders.Envelope', row, src);
    const chain = TransformChain.fromConfig(BENCHMARK_CHAIN, registry);
    for (const [i, op] of [
      [1, 'c'],
      [2, 'u'],
      [3, 'd'],
    ] as const) {
      const after = { id: i, customer_id: 7, amount: i * 1.25, note: 'n' };
      const value = changeEvent(op, {
        before: after,
        after: op === 'd' ? null : after,
        source: { ts_ms: i },
      });
      const input = Object.freeze(
        sourceRecord({ topic: 'db.public.orders', valueSchema: env, value: Object.freeze(value) }),
      );
      let step: ConnectRecord | null = input;
      for (let s = 0; s < chain.steps.length && step !== null; s++) step = chain.applyStep(s, step);
      const out = chain.apply(input);
      expect(out).toEqual(step);
      expect(JSON.stringify(out)).toBe(JSON.stringify(step));
      if (op !== 'd') expect(out?.value).toMatchObject({ id: i, customer: 7, amount: String(i * 1.25) });
    }
  });
});
