import { describe, expect, it } from 'vitest';
import { ConfigError, DataError, sourceRecord } from '../../../src/api/index.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { TransformChain, validateTransformConfig } from '../../../src/runtime/transform-chain.ts';
import { builtinPredicates, builtinTransforms } from '../../../transforms/index.ts';

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
});
