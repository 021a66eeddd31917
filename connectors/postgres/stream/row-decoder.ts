import type { Pgoutput } from 'pg-logical-replication';
import { generateFunction } from '../../../src/api/code-generation.ts';
import type { TextTuple } from '../schema/table-schema.ts';

/**
 * Decodes pgoutput's row messages (Insert, Update, Delete of protocol 1) for the replication stream; the
 * library's parser still decodes every other message, Relation included, and this decoder takes each
 * Relation from it.
 *
 * Why not the library's parser for rows too: it builds every tuple as a null-prototype object filled
 * key by key, which V8 keeps as a hash table, and decodes each column through a new Buffer view and a
 * TextDecoder call. Row messages are nearly all of a capture's traffic, so here each relation gets a
 * generated tuple reader: its tuples share one hidden class (fast property reads in the row
 * conversion), and column text is decoded straight from the message. The messages have the library's
 * shapes, so nothing downstream changes. See docs/decisions/2026-11-23-postgres-replication-loop.md.
 */
/** Reads the tuple at `cursor.at` and moves the cursor past it; `fallback` gives unchanged TOAST values. */
type ReadTuple = (m: Buffer, cursor: { at: number }, fallback: TextTuple | null) => TextTuple;

interface RelationReader {
  readonly relation: Pgoutput.MessageRelation;
  readonly read: ReadTuple;
  /** Like `read`, keeping only the replica identity's columns (a 'K' tuple), nulls as undefined. */
  readonly readKey: ReadTuple;
}

const INSERT = 0x49; // 'I'
const UPDATE = 0x55; // 'U'
const DELETE = 0x44; // 'D'
const KEY = 0x4b; // 'K'
const OLD = 0x4f; // 'O'
const NEW = 0x4e; // 'N'

export class RowDecoder {
  readonly #relations = new Map<number, RelationReader>();

  /** A Relation message the library parsed: rows of this relation are read with its columns from now on. */
  relation(relation: Pgoutput.MessageRelation): void {
    this.#relations.set(relation.relationOid, readerFor(relation));
  }

  /** The decoded row message, or null when `m` is another kind of message. */
  decode(m: Buffer): Pgoutput.MessageInsert | Pgoutput.MessageUpdate | Pgoutput.MessageDelete | null {
    const tag = m[0];
    if (tag !== INSERT && tag !== UPDATE && tag !== DELETE) return null;
    const r = this.#relations.get(m.readInt32BE(1));
    if (r === undefined) throw new Error('missing relation');
    const cursor = { at: 6 };
    const kind = m[5];
    if (tag === INSERT) {
      expect(kind, NEW);
      return { tag: 'insert', relation: r.relation, new: r.read(m, cursor, null) };
    }
    const key = kind === KEY ? r.readKey(m, cursor, null) : null;
    const old = kind === OLD ? r.read(m, cursor, null) : null;
    if (tag === DELETE) {
      if (key === null && old === null) expect(kind, KEY);
      return { tag: 'delete', relation: r.relation, key, old };
    }
    if (key !== null || old !== null) expect(m[cursor.at++], NEW);
    else expect(kind, NEW);
    return { tag: 'update', relation: r.relation, key, old, new: r.read(m, cursor, old) };
  }
}

function expect(kind: number | undefined, wanted: number): void {
  if (kind !== wanted) throw new Error(`unknown submessage key ${String.fromCharCode(kind ?? 0)}`);
}

/**
 * Generated per relation: one constant-named store per column, in column order, into an object whose
 * prototype has no properties (a column named like an Object.prototype member, `__proto__` included,
 * becomes an own property). Names enter the source only through JSON.stringify.
 */
function readerFor(relation: Pgoutput.MessageRelation): RelationReader {
  const names = relation.columns.map((c) => c.name);
  const keys = new Set(relation.keyColumns);
  const body = (keyOnly: boolean) => {
    const lines = [
      'const t = new Tuple();',
      'let at = cursor.at;',
      "if (m.readInt16BE(at) !== COLUMNS) throw new Error('expected ' + COLUMNS + ' columns, the message has ' + m.readInt16BE(at));",
      'at += 2;',
      'let kind, length, value;',
    ];
    for (const name of names) {
      const property = `t[${JSON.stringify(name)}]`;
      lines.push(
        'kind = m[at++];',
        "if (kind === 0x74) { length = m.readInt32BE(at); at += 4; value = m.toString('utf8', at, at + length); at += length; }",
        'else if (kind === 0x6e) value = null;',
        `else if (kind === 0x75) value = fallback === null ? undefined : fallback[${JSON.stringify(name)}];`,
        "else throw new Error('unknown attribute kind ' + String.fromCharCode(kind));",
      );
      // A key tuple holds the identity's columns; the others come as nulls and are left out.
      if (!keyOnly) lines.push(`${property} = value;`);
      else if (keys.has(name)) lines.push(`${property} = value === null ? undefined : value;`);
    }
    lines.push('cursor.at = at;', 'return t;');
    return lines.join('\n');
  };
  const source = [
    'function Tuple() {}',
    'Tuple.prototype = Object.create(null);',
    `const read = (m, cursor, fallback) => {\n${body(false)}\n};`,
    `const readKey = (m, cursor, fallback) => {\n${body(true)}\n};`,
    'return { read, readKey };',
  ].join('\n');
  const make = generateFunction(['COLUMNS'], source) as
    | ((columns: number) => Omit<RelationReader, 'relation'>)
    | null;
  return { relation, ...(make === null ? interpretedReaders(names, keys) : make(names.length)) };
}

/**
 * The generated readers' twin for where code generation is disallowed: the same tuples, read by a loop
 * over the column names (keyed stores, so slower). A change to one is made to both: the decoder's suite
 * also runs on this one (test/unit/project/without-code-generation.test.ts).
 */
function interpretedReaders(
  names: readonly string[],
  keys: ReadonlySet<string>,
): Omit<RelationReader, 'relation'> {
  const columns = names.length;
  const reader =
    (keyOnly: boolean): ReadTuple =>
    (m, cursor, fallback) => {
      const t: Record<string, string | null | undefined> = Object.create(TUPLE_PROTOTYPE);
      let at = cursor.at;
      if (m.readInt16BE(at) !== columns)
        throw new Error(`expected ${columns} columns, the message has ${m.readInt16BE(at)}`);
      at += 2;
      for (const name of names) {
        const kind = m[at++];
        let value: string | null | undefined;
        if (kind === 0x74) {
          const length = m.readInt32BE(at);
          at += 4;
          value = m.toString('utf8', at, at + length);
          at += length;
        } else if (kind === 0x6e) value = null;
        else if (kind === 0x75) value = fallback === null ? undefined : fallback[name];
        else throw new Error(`unknown attribute kind ${String.fromCharCode(kind ?? 0)}`);
        if (!keyOnly) t[name] = value;
        else if (keys.has(name)) t[name] = value === null ? undefined : value;
      }
      cursor.at = at;
      return t as TextTuple;
    };
  return { read: reader(false), readKey: reader(true) };
}

/** The fallback's tuples: like the generated ones, own properties on a prototype that has none. */
const TUPLE_PROTOTYPE: object = Object.create(null);
