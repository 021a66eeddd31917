import { DebeziumNames, SchemaBuilder, Schemas } from '../../../src/api/index.ts';
import type { ColumnMeta } from './column.ts';

/**
 * Spatial columns as Debezium's MySQL connector maps them. A value in MySQL's internal format is a
 * 4-byte little-endian SRID followed by the OGC WKB: `wkb` carries the WKB as stored, `srid` the SRID or
 * null for 0 (no reference system). POINT columns become `io.debezium.data.geometry.Point` (x, y read
 * from the WKB), every other spatial type `io.debezium.data.geometry.Geometry`. Both the binlog reader
 * (see rawSpatialColumns) and snapshot queries (spatialTypeCast) hand the value over as raw bytes.
 */

export const SPATIAL_TYPES: ReadonlySet<string> = new Set([
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

const WKB_POINT = 1;
const WKB_POINT_SIZE = 1 + 4 + 8 + 8;

export function spatialMapping(c: ColumnMeta): {
  builder: SchemaBuilder;
  convert: (raw: unknown) => unknown;
} {
  if (c.dataType === 'point')
    return {
      builder: SchemaBuilder.struct()
        .name(DebeziumNames.POINT)
        .version(1)
        .doc('Geometry (POINT)')
        .field('x', Schemas.FLOAT64)
        .field('y', Schemas.FLOAT64)
        .field('wkb', Schemas.OPTIONAL_BYTES)
        .field('srid', Schemas.OPTIONAL_INT32),
      convert: (raw) => {
        const { wkb, srid } = internalGeometry(raw);
        const { x, y } = wkbPoint(wkb, c.name);
        return { x, y, wkb, srid };
      },
    };
  return {
    builder: SchemaBuilder.struct()
      .name(DebeziumNames.GEOMETRY)
      .version(1)
      .doc('Geometry')
      .field('wkb', Schemas.BYTES)
      .field('srid', Schemas.OPTIONAL_INT32),
    convert: (raw) => internalGeometry(raw),
  };
}

/** MySQL's internal geometry format → WKB and SRID (0 means none: null, as Debezium). */
export function internalGeometry(raw: unknown): { wkb: Uint8Array; srid: number | null } {
  if (!(raw instanceof Uint8Array) || raw.byteLength < 5)
    throw new TypeError('A spatial value must be MySQL internal geometry bytes (SRID + WKB)');
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const srid = view.getUint32(0, true);
  return { wkb: Uint8Array.from(raw.subarray(4)), srid: srid === 0 ? null : srid };
}

/** x and y of a 2D WKB point; anything else in a POINT column is an error, as in Debezium. */
export function wkbPoint(wkb: Uint8Array, column: string): { x: number; y: number } {
  const view = new DataView(wkb.buffer, wkb.byteOffset, wkb.byteLength);
  const little = wkb[0] !== 0;
  if (wkb.byteLength !== WKB_POINT_SIZE || view.getUint32(1, little) !== WKB_POINT)
    throw new TypeError(`Failed to read a value of type POINT in column ${column}: not a 2D WKB point`);
  return { x: view.getFloat64(5, little), y: view.getFloat64(13, little) };
}

/**
 * mysql2 parses GEOMETRY into {x, y} objects, dropping the SRID and the subtype: a query over a table
 * with spatial columns takes them as raw bytes instead. Tables without any keep mysql2's fast path.
 */
export function spatialTypeCast(columns: readonly ColumnMeta[]): { typeCast?: TypeCast } {
  return columns.some((c) => SPATIAL_TYPES.has(c.dataType)) ? { typeCast: rawGeometry } : {};
}

type TypeCast = (field: { type: string; buffer(): Buffer | null }, next: () => unknown) => unknown;

const rawGeometry: TypeCast = (field, next) => (field.type === 'GEOMETRY' ? field.buffer() : next());

const MYSQL_TYPE_GEOMETRY = 255;
const MYSQL_TYPE_BLOB = 252;

/**
 * The binlog reader likewise parses GEOMETRY values into objects. Its row decoder reads a column by the
 * type of the table map; GEOMETRY values are length-prefixed exactly as BLOBs are (same metadata), so a
 * spatial column retyped as a binary BLOB comes out as the raw internal-format bytes. Called for each
 * table map before the row events that use it are decoded.
 */
export function rawSpatialColumns(tableMap: unknown): void {
  const columns = (tableMap as { columns?: { type: number; charset: string | null }[] } | undefined)?.columns;
  if (!columns) return;
  for (const col of columns) {
    if (col.type !== MYSQL_TYPE_GEOMETRY) continue;
    col.type = MYSQL_TYPE_BLOB;
    col.charset = null;
  }
}
