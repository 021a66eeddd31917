import { type Pgoutput, PgoutputPlugin } from 'pg-logical-replication';
import { describe, expect, it } from 'vitest';
import { RowDecoder } from '../../../connectors/postgres/stream/row-decoder.ts';

/** pgoutput protocol 1 messages, built byte by byte as PostgreSQL sends them. */
const int16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const cstring = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
const byte = (c: string) => Buffer.from(c, 'latin1');

const OID = 16_401;
const COLUMNS = ['id', 'Mixed "Case"', '__proto__', 'constructor', 'größe', 'doc'];
const KEY = new Set(['id', 'Mixed "Case"']);

function relationMessage(): Buffer {
  return Buffer.concat([
    byte('R'),
    int32(OID),
    cstring('public'),
    cstring('Odd Table'),
    byte('d'),
    int16(COLUMNS.length),
    ...COLUMNS.map((name) =>
      Buffer.concat([Buffer.from([KEY.has(name) ? 1 : 0]), cstring(name), int32(25), int32(-1)]),
    ),
  ]);
}

type Cell = string | null | 'TOAST';
function tuple(cells: readonly Cell[]): Buffer {
  return Buffer.concat([
    int16(cells.length),
    ...cells.map((c) => {
      if (c === null) return byte('n');
      if (c === 'TOAST') return byte('u');
      const text = Buffer.from(c, 'utf8');
      return Buffer.concat([byte('t'), int32(text.length), text]);
    }),
  ]);
}

const row = (id: string, doc: Cell): Cell[] => [id, 'x "y"', 'proto value', 'ctor', 'ü ✓ 😀', doc];
const keyOnly = (id: string): Cell[] => [id, 'x "y"', null, null, null, null];

const messages: [string, Buffer][] = [
  ['insert', Buffer.concat([byte('I'), int32(OID), byte('N'), tuple(row('1', 'long text'))])],
  [
    'insert with nulls and an empty string',
    Buffer.concat([byte('I'), int32(OID), byte('N'), tuple(['2', '', null, null, null, null])]),
  ],
  ['update, key unchanged', Buffer.concat([byte('U'), int32(OID), byte('N'), tuple(row('1', 'TOAST'))])],
  [
    'update, key changed',
    Buffer.concat([
      byte('U'),
      int32(OID),
      byte('K'),
      tuple(keyOnly('1')),
      byte('N'),
      tuple(row('9', 'TOAST')),
    ]),
  ],
  [
    'update, replica identity full',
    Buffer.concat([
      byte('U'),
      int32(OID),
      byte('O'),
      tuple(row('1', 'old doc')),
      byte('N'),
      tuple(row('1', 'TOAST')),
    ]),
  ],
  ['delete by key', Buffer.concat([byte('D'), int32(OID), byte('K'), tuple(keyOnly('1'))])],
  [
    'delete, replica identity full',
    Buffer.concat([byte('D'), int32(OID), byte('O'), tuple(row('1', 'doc'))]),
  ],
];

/** The library's parser, with tuple values kept as text as Seam's replication stream keeps them. */
function libraryParser(): { plugin: PgoutputPlugin; relation: Pgoutput.MessageRelation } {
  const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: ['p'] });
  const relation = plugin.parse(relationMessage()) as Pgoutput.MessageRelation;
  for (const c of relation.columns) c.parser = (text: string) => text;
  return { plugin, relation };
}

const keysOf = (t: unknown) => (t === null ? null : Object.keys(t as object));

describe('RowDecoder', () => {
  const { plugin: library, relation } = libraryParser();
  const seam = new RowDecoder();
  seam.relation(relation);

  for (const [name, message] of messages) {
    it(`decodes ${name} as the library's parser does`, () => {
      const expected = library.parse(message) as Pgoutput.MessageUpdate;
      const actual = seam.decode(message) as Pgoutput.MessageUpdate;
      expect(actual).toEqual(expected);
      // toEqual skips properties whose value is undefined: unchanged TOAST columns must be present too.
      for (const part of ['new', 'old', 'key'] as const) {
        if (part in expected) expect(keysOf(actual[part]), part).toEqual(keysOf(expected[part]));
      }
    });
  }

  it('keeps column names of Object.prototype members as ordinary values', () => {
    const decoded = seam.decode(messages[0]![1]) as Pgoutput.MessageInsert;
    const tuple = decoded.new as Record<string, unknown>;
    const proto = COLUMNS[2]!;
    expect(tuple[proto]).toBe('proto value');
    expect(tuple['constructor']).toBe('ctor');
    expect('toString' in tuple).toBe(false);
    expect({ ...tuple }[proto]).toBe('proto value');
  });

  it('fills unchanged TOAST columns from the old row, and leaves them undefined but present without one', () => {
    const full = seam.decode(messages[4]![1]) as Pgoutput.MessageUpdate;
    expect(full.new['doc']).toBe('old doc');
    const byKey = seam.decode(messages[2]![1]) as Pgoutput.MessageUpdate;
    expect('doc' in byKey.new).toBe(true);
    expect(byKey.new['doc']).toBeUndefined();
  });

  it('leaves other messages to the library', () => {
    expect(seam.decode(relationMessage())).toBeNull();
    expect(seam.decode(Buffer.concat([byte('C'), Buffer.alloc(25)]))).toBeNull();
  });

  it('refuses rows of an unknown relation, a wrong column count and unknown kinds', () => {
    expect(() => seam.decode(Buffer.concat([byte('I'), int32(1), byte('N'), tuple(['1'])]))).toThrow(
      'missing relation',
    );
    expect(() => seam.decode(Buffer.concat([byte('I'), int32(OID), byte('N'), tuple(['1'])]))).toThrow(
      `expected ${COLUMNS.length} columns, the message has 1`,
    );
    expect(() => seam.decode(Buffer.concat([byte('D'), int32(OID), byte('X'), tuple(keyOnly('1'))]))).toThrow(
      'unknown submessage key X',
    );
    const badKind = Buffer.concat([byte('I'), int32(OID), byte('N'), int16(COLUMNS.length), byte('b')]);
    expect(() => seam.decode(badKind)).toThrow('unknown attribute kind b');
  });
});
