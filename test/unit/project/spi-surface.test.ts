import { describe, expect, it } from 'vitest';
import * as api from '../../../src/api/index.ts';
import {
  type ConnectRecord,
  changeEvent,
  envelopeSchema,
  SchemaBuilder,
  Schemas,
  sourceRecord,
  type Transformation,
} from '../../../src/api/index.ts';
import { hooksOf, withHooks } from '../../../src/api/transform-hooks.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { TransformChain, type TransformStep } from '../../../src/runtime/transform-chain.ts';
import { builtinPredicates, builtinTransforms } from '../../../transforms/index.ts';

/**
 * The plugin SPI stays what a plugin author needs: the built-ins' speed hooks and the code generation
 * helper are internal files of src/api, not exports of its index, and a transformation without hooks is
 * complete (docs/decisions/2026-12-02-plugin-spi-internal-hooks.md).
 */
describe('the plugin SPI (src/api/index.ts)', () => {
  it('exports none of the internal helpers', () => {
    for (const name of ['withHooks', 'hooksOf', 'generateFunction', 'allowCodeGeneration'])
      expect(Object.keys(api), name).not.toContain(name);
  });
});

describe('transform speed hooks', () => {
  const registry = new PluginRegistry([...builtinTransforms(), ...builtinPredicates()]);
  const step = (alias: string, transformation: Transformation): TransformStep => ({
    alias,
    transformation,
    predicate: null,
    negate: false,
  });
  const row = SchemaBuilder.struct().optional().field('id', Schemas.INT32).field('n', Schemas.STRING).build();
  const env = envelopeSchema(
    's.t.Envelope',
    row,
    SchemaBuilder.struct().field('ts_ms', Schemas.INT64).build(),
  );
  const input = () =>
    Object.freeze(
      sourceRecord({
        topic: 'db.s.t',
        valueSchema: env,
        value: changeEvent('c', { after: { id: 1, n: 'x' }, source: { ts_ms: 1 } }),
      }),
    );
  const builtin = (type: string, config: Record<string, string> = {}) =>
    registry.resolve(type, 'transformation').create(config);

  it('are carried by the built-in field transforms, and by no plugin that does not attach them', () => {
    expect(
      hooksOf(builtin('org.apache.kafka.connect.transforms.RegexRouter', { regex: 'x', replacement: 'y' })),
    ).not.toBeNull();
    expect(hooksOf({ apply: (r: ConnectRecord) => r })).toBeNull();
  });

  it('a plugin with only apply gives the chain the same records as the built-in with its hooks', () => {
    const unwrap = () => builtin('io.debezium.transforms.ExtractNewRecordState');
    const rename = () =>
      builtin('org.apache.kafka.connect.transforms.ReplaceField$Value', { renames: 'n:name' });
    const plain = (t: Transformation): Transformation => ({ apply: (r) => t.apply(r) });
    const fast = new TransformChain([step('u', unwrap()), step('r', rename())]);
    const slow = new TransformChain([step('u', plain(unwrap())), step('r', plain(rename()))]);
    const out = fast.apply(input());
    expect(out?.value).toEqual({ id: 1, name: 'x' });
    expect(slow.apply(input())).toEqual(out);
  });

  it('are never read from members a plugin happens to name applyTo, fieldPlan or entryPlan', () => {
    const calls: string[] = [];
    const lookalike = {
      apply: (r: ConnectRecord) => {
        calls.push('apply');
        return { ...r, topic: 'applied' };
      },
      applyTo: () => {
        calls.push('applyTo');
        return false;
      },
      fieldPlan: () => {
        calls.push('fieldPlan');
        return null;
      },
      entryPlan: () => {
        calls.push('entryPlan');
        return null;
      },
    };
    const chain = new TransformChain([step('a', lookalike), step('b', lookalike)]);
    expect(chain.apply(input())?.topic).toBe('applied');
    expect(calls).toEqual(['apply', 'apply']);
  });

  it('are used when attached: applyTo instead of apply', () => {
    const calls: string[] = [];
    const t = withHooks(
      {
        apply: (r: ConnectRecord) => {
          calls.push('apply');
          return { ...r, topic: 'x' };
        },
      },
      {
        applyTo: (d) => {
          calls.push('applyTo');
          d.topic = 'x';
          return true;
        },
      },
    );
    expect(new TransformChain([step('a', t)]).apply(input())?.topic).toBe('x');
    expect(calls).toEqual(['applyTo']);
  });
});
