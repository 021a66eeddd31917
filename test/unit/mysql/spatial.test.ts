import { describe, expect, it } from 'vitest';
import type { ColumnMeta } from '../../../connectors/mysql/schema/column.ts';
import { mapColumn } from '../../../connectors/mysql/schema/type-mapping.ts';

const modes = {
  decimal: 'precise',
  time: 'adaptive_time_microseconds',
  bigintUnsigned: 'long',
  binary: 'base64',
} as const;
const column = (dataType: string, nullable = true): ColumnMeta => ({
  name: 'c',
  dataType,
  columnType: dataType,
  nullable,
  precision: null,
  scale: null,
  fsp: 0,
  charset: null,
});
const hex = (h: string) => Buffer.from(h, 'hex');

// The byte strings and coordinates of Debezium's own MySqlGeometryTest: MySQL's internal format.
const POINT = '000000000101000000e3a59bc420f01b4015a143a69d383240';
const LINE_4326 =
  'E6100000010200000002000000E3A59BC420F01B4015A143A69D38324000000000000000000000000000000000';

describe('MySQL spatial types (Debezium Geometry / Point)', () => {
  it('POINT: x and y from the WKB, the WKB after the 4-byte SRID, SRID 0 as null', () => {
    const m = mapColumn(column('point'), modes)!;
    expect(m.schema).toMatchObject({
      type: 'struct',
      name: 'io.debezium.data.geometry.Point',
      version: 1,
      optional: true,
    });
    const v = m.convert(hex(POINT)) as { x: number; y: number; wkb: Uint8Array; srid: number | null };
    expect(v.x).toBeCloseTo(6.9845, 4);
    expect(v.y).toBeCloseTo(18.22115554, 8);
    expect(Buffer.from(v.wkb).toString('hex')).toBe(POINT.slice(8));
    expect(v.srid).toBeNull();
  });

  it('other spatial types: Geometry with the WKB (bytes whatever binary.handling.mode) and the SRID', () => {
    for (const t of [
      'geometry',
      'linestring',
      'polygon',
      'multipoint',
      'multilinestring',
      'multipolygon',
      'geometrycollection',
    ]) {
      const m = mapColumn(column(t, false), modes)!;
      expect(m.schema).toMatchObject({
        type: 'struct',
        name: 'io.debezium.data.geometry.Geometry',
        optional: false,
      });
      expect(m.schema.fields!.map((f) => [f.name, f.schema.type, f.schema.optional])).toEqual([
        ['wkb', 'bytes', false],
        ['srid', 'int32', true],
      ]);
      const v = m.convert(hex(LINE_4326)) as { wkb: Uint8Array; srid: number | null };
      expect(v.srid).toBe(4326);
      expect(Buffer.from(v.wkb).toString('hex')).toBe(LINE_4326.slice(8).toLowerCase());
    }
  });

  it('a POINT column holding another geometry is an error, as in Debezium', () => {
    expect(() => mapColumn(column('point'), modes)!.convert(hex(LINE_4326))).toThrow(/POINT/);
  });
});
