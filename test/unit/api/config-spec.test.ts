import { describe, expect, it } from 'vitest';
import { atLeast, ConfigError, configSpec, oneOf, type Password } from '../../../src/api/index.ts';

const spec = configSpec()
  .define({ name: 'database.hostname', type: 'string', required: true, doc: 'Host', importance: 'high' })
  .define({ name: 'database.port', type: 'int', default: 5432, doc: 'Port', validator: atLeast(1) })
  .define({ name: 'database.password', type: 'password', default: null, doc: 'Password' })
  .define({
    name: 'snapshot.mode',
    type: 'string',
    default: 'initial',
    doc: 'Mode',
    validator: oneOf(['initial', 'never']),
  })
  .define({ name: 'table.include.list', type: 'list', default: [], doc: 'Tables' });

describe('ConfigSpec', () => {
  it('parses typed values with defaults', () => {
    const c = spec.parse({
      'database.hostname': 'h',
      'database.port': '6543',
      'table.include.list': 'a.b, c.d',
    });
    expect(c['database.port']).toBe(6543);
    expect(c['snapshot.mode']).toBe('initial');
    expect(c['table.include.list']).toEqual(['a.b', 'c.d']);
    expect(c['database.password']).toBeNull();
  });

  it('reports every problem at once', () => {
    const v = spec.validate({ 'database.port': '0', 'snapshot.mode': 'sometimes' });
    expect(v.problems.map((p) => p.key).sort()).toEqual([
      'database.hostname',
      'database.port',
      'snapshot.mode',
    ]);
    expect(() => spec.parse({})).toThrow(ConfigError);
  });

  it('never prints a password', () => {
    const c = spec.parse({ 'database.hostname': 'h', 'database.password': 's3cret' });
    const pw = c['database.password'] as Password;
    expect(JSON.stringify(c)).not.toContain('s3cret');
    expect(String(pw)).toBe('[hidden]');
    expect(pw.reveal()).toBe('s3cret');
  });
});
