import { describe, expect, it } from 'vitest';
import { compareStreams, flattenEvent, renderTable } from '../../integration/debezium/compare.ts';
import type { CapturedEvent } from '../../integration/debezium/events.ts';
import { parseExact } from '../../integration/debezium/events.ts';

const schema = (fields: string[], extra: Record<string, unknown> = {}) => ({
  type: 'struct',
  fields: fields.map((f) => ({ type: 'int32', optional: false, field: f, ...extra })),
  optional: false,
  name: 't.Key',
});

const event = (over: Partial<CapturedEvent> = {}): CapturedEvent => ({
  topic: 'p.s.t',
  key: { schema: schema(['id']), payload: { id: 1 } },
  value: { schema: schema(['id']), payload: { op: 'c', ts_ms: 1, source: { version: 'x', lsn: 5 } } },
  headers: [],
  ...over,
});

describe('the differential comparison (test/integration/debezium/compare.ts)', () => {
  it('finds nothing in equal streams, ignoring processing times and versions only', () => {
    const other = event({
      value: { schema: schema(['id']), payload: { op: 'c', ts_ms: 2, source: { version: 'y', lsn: 5 } } },
    });
    expect(compareStreams('v', [event()], [other])).toEqual([]);
  });

  it('reports a changed value, a missing schema default, an extra header and a missing event', () => {
    const seam = event({
      key: { schema: schema(['id']), payload: { id: 2 } },
      value: { schema: schema(['id'], { default: 0 }), payload: { op: 'c', ts_ms: 1, source: { lsn: 6 } } },
      headers: [{ key: 'h', value: { schema: { type: 'string', optional: false }, payload: 'x' } }],
    });
    const diffs = compareStreams('v', [event(), event()], [seam]);
    const paths = diffs.map((d) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'key.payload.id',
        'value.schema.fields[id].default',
        'value.payload.source.lsn',
        'headers#order',
        'headers[h].payload',
        '(event)',
      ]),
    );
    expect(paths).not.toContain('value.payload.source.version');
    const table = renderTable(diffs);
    expect(table).toContain('| v ');
    expect(table).toMatch(/key\.payload\.id\s+\| 1\s+\| 2/);
  });

  it('names struct fields instead of numbering them and keeps their order as one leaf', () => {
    const flat = flattenEvent(event({ key: { schema: schema(['b', 'a']), payload: { a: 1, b: 2 } } }));
    expect(flat.get('key.schema.fields#order')).toBe('b,a');
    expect(flat.get('key.schema.fields[a].type')).toBe('int32');
  });

  it('compares int64 values beyond 2^53 exactly', () => {
    const a = parseExact('{"n": 9007199254740993}') as { n: unknown };
    const b = parseExact('{"n": 9007199254740992}') as { n: unknown };
    expect(a.n).toBe(9007199254740993n);
    const diffs = compareStreams('v', [event({ key: { payload: a } })], [event({ key: { payload: b } })]);
    expect(diffs.map((d) => d.path)).toEqual(['key.payload.n']);
  });
});
