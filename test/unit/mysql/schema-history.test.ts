import { describe, expect, it } from 'vitest';
import { applyDdl } from '../../../connectors/mysql/history/ddl-apply.ts';
import { parseDdl } from '../../../connectors/mysql/history/ddl-parser.ts';
import { comparePoints, SchemaHistory } from '../../../connectors/mysql/history/schema-history.ts';
import { SchemaTracker } from '../../../connectors/mysql/history/tracker.ts';
import type { TableMeta } from '../../../connectors/mysql/schema/table-schema.ts';
import type { InternalTopic } from '../../../src/api/index.ts';

const all = () => true;

function create(sql: string): TableMeta {
  const op = parseDdl(sql, 'db');
  if (op.kind === 'unparsed') throw new Error(op.reason);
  const { changes } = applyDdl(op, new Map(), all);
  return changes[0]!.meta!;
}

function alter(t: TableMeta, sql: string): TableMeta {
  const op = parseDdl(sql, 'db');
  if (op.kind === 'unparsed') throw new Error(op.reason);
  const { changes } = applyDdl(op, new Map([[`${t.db}.${t.table}`, t]]), all);
  return changes[changes.length - 1]!.meta!;
}

const names = (t: TableMeta) => t.columns.map((c) => c.name);

describe('MySQL DDL parsing for the schema history', () => {
  it('reads CREATE TABLE as information_schema would describe it', () => {
    const t = create(
      "CREATE TABLE IF NOT EXISTS `db`.`t` (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, price DECIMAL(10,2) DEFAULT '1.50', " +
        "flag BOOLEAN DEFAULT TRUE, at DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), kind ENUM('a','b''c') NOT NULL, " +
        'note TEXT CHARACTER SET latin1, `odd ``name` INT, PRIMARY KEY (id), KEY k (note(10)), CONSTRAINT fk FOREIGN KEY (id) REFERENCES o (id)) ' +
        'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 /* trailing */',
    );
    expect(t.keyColumns).toEqual(['id']);
    expect(t.charset).toBe('utf8mb4');
    expect(names(t)).toEqual(['id', 'price', 'flag', 'at', 'kind', 'note', 'odd `name']);
    const [id, price, flag, at, kind, note] = t.columns;
    expect(id).toMatchObject({
      dataType: 'bigint',
      columnType: 'bigint(20) unsigned',
      nullable: false,
      precision: 20,
    });
    expect(price).toMatchObject({
      dataType: 'decimal',
      columnType: 'decimal(10,2)',
      precision: 10,
      scale: 2,
      defaultLiteral: '1.50',
    });
    expect(flag).toMatchObject({ dataType: 'tinyint', columnType: 'tinyint(1)', defaultLiteral: '1' });
    expect(at).toMatchObject({ dataType: 'datetime', fsp: 3, defaultExpression: 'current_timestamp()' });
    expect(kind).toMatchObject({
      dataType: 'enum',
      columnType: "enum('a','b''c')",
      nullable: false,
      charset: 'utf8mb4',
    });
    expect(note).toMatchObject({ dataType: 'text', charset: 'latin1' });
  });

  it('applies ALTER TABLE clauses in order: add first/after, drop, change, modify, rename, keys, defaults', () => {
    let t = create('CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10), b INT)');
    t = alter(
      t,
      'ALTER TABLE t ADD COLUMN z INT FIRST, ADD y CHAR(2) AFTER a, ADD INDEX ix (b), ALGORITHM=INPLACE',
    );
    expect(names(t)).toEqual(['z', 'id', 'a', 'y', 'b']);
    t = alter(
      t,
      'ALTER TABLE db.t DROP COLUMN z, CHANGE COLUMN a a2 VARCHAR(20) NOT NULL, MODIFY b BIGINT AFTER id',
    );
    expect(names(t)).toEqual(['id', 'b', 'a2', 'y']);
    expect(t.columns[1]).toMatchObject({ dataType: 'bigint' });
    expect(t.columns[2]).toMatchObject({ columnType: 'varchar(20)', nullable: false });
    t = alter(
      t,
      'ALTER TABLE t RENAME COLUMN y TO w, ALTER COLUMN b SET DEFAULT 7, DROP PRIMARY KEY, ADD PRIMARY KEY (id, b)',
    );
    expect(names(t)).toEqual(['id', 'b', 'a2', 'w']);
    expect(t.keyColumns).toEqual(['id', 'b']);
    expect(t.columns[1]).toMatchObject({ defaultLiteral: '7', nullable: false });
    t = alter(t, 'ALTER TABLE t ADD (p INT, q INT), ENGINE=InnoDB');
    expect(names(t)).toEqual(['id', 'b', 'a2', 'w', 'p', 'q']);
  });

  it('follows renames and drops, and ignores statements that change no column', () => {
    const t = create('CREATE TABLE t (id INT PRIMARY KEY)');
    const known = new Map([['db.t', t]]);
    const renamed = parseDdl('RENAME TABLE t TO t2', 'db');
    if (renamed.kind === 'unparsed') throw new Error(renamed.reason);
    expect(applyDdl(renamed, known, all).changes.map((c) => [c.type, c.table])).toEqual([
      ['DROP', 't'],
      ['CREATE', 't2'],
    ]);
    const dropped = parseDdl('DROP TABLE IF EXISTS `t`, other', 'db');
    if (dropped.kind === 'unparsed') throw new Error(dropped.reason);
    expect(applyDdl(dropped, known, all).changes).toEqual([
      { type: 'DROP', db: 'db', table: 't', meta: null },
    ]);
    for (const sql of [
      'CREATE INDEX i ON t (id)',
      'TRUNCATE TABLE t',
      'CREATE DATABASE x',
      'CREATE VIEW v AS SELECT 1',
    ])
      expect(parseDdl(sql, 'db')).toEqual({ kind: 'none' });
  });

  it('replays a statement over a definition that already has its effect without doubling columns', () => {
    // A baseline read from the server after the statements (recovery, resumed snapshot), then the replay.
    let t = create('CREATE TABLE t (id INT PRIMARY KEY, b INT, x VARCHAR(3))');
    t = alter(t, 'ALTER TABLE t ADD COLUMN x VARCHAR(3) AFTER id');
    t = alter(
      t,
      'ALTER TABLE t RENAME COLUMN a TO b, CHANGE c x VARCHAR(3), ALTER COLUMN gone SET DEFAULT 1',
    );
    expect(names(t)).toEqual(['id', 'x', 'b']);
    expect(() => alter(t, 'ALTER TABLE t RENAME COLUMN nope TO nada')).toThrow(/not in the history/);
  });

  it('reports what it cannot parse instead of guessing', () => {
    expect(parseDdl('ALTER TABLE t FROBNICATE x', 'db')).toMatchObject({
      kind: 'unparsed',
      table: { db: 'db', table: 't' },
    });
    expect(parseDdl('CREATE TABLE t2 AS SELECT * FROM t', 'db')).toMatchObject({ kind: 'unparsed' });
  });
});

describe('Schema history versions', () => {
  const v1 = create('CREATE TABLE t (id INT PRIMARY KEY)');
  const v2 = alter(v1, 'ALTER TABLE t ADD c INT');

  it('answers with the definition in force at a binlog position', () => {
    const h = new SchemaHistory();
    h.add({ file: 'b.000001', pos: 100 }, [{ type: 'CREATE', db: 'db', table: 't', meta: v1 }], true);
    h.add({ file: 'b.000002', pos: 50 }, [{ type: 'ALTER', db: 'db', table: 't', meta: v2 }]);
    expect(h.at('db', 't', { file: 'b.000001', pos: 99 })).toBe(v1);
    expect(h.at('db', 't', { file: 'b.000001', pos: 5000 })).toBe(v1);
    expect(h.at('db', 't', { file: 'b.000002', pos: 60 })).toBe(v2);
    expect(h.at('db', 'other', { file: 'b.000002', pos: 60 })).toBeUndefined();
    expect(h.knows({ file: 'b.000002', pos: 50 })).toBe(true);
    expect(h.knows({ file: 'b.000002', pos: 51 })).toBe(false);
    expect(comparePoints({ file: 'b.000010', pos: 4 }, { file: 'b.000009', pos: 9000 })).toBeGreaterThan(0);
  });

  it('records each DDL once, durable before it returns, and rebuilds the same versions from the topic', async () => {
    const values: Uint8Array[] = [];
    const topic: InternalTopic = {
      readAll: async () => [...values],
      append: async (vs) => void values.push(...vs),
    };
    const options = {
      topic,
      topicName: 'h',
      server: 'p',
      captured: all,
      skipUnparseable: false,
      readMeta: async () => null,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    };
    const tracker = await SchemaTracker.open(options);
    expect(tracker.state).toBe('empty');
    await tracker.baseline([v1], { file: 'b.000001', pos: 4 });
    const changes = await tracker.ddl('db', 'ALTER TABLE t ADD c INT', { file: 'b.000001', pos: 200 });
    expect(changes).toHaveLength(1);
    expect(values).toHaveLength(2);
    // Re-read after a restart: already recorded, not written again.
    await tracker.ddl('db', 'ALTER TABLE t ADD c INT', { file: 'b.000001', pos: 200 });
    expect(values).toHaveLength(2);
    const reopened = await SchemaTracker.open(options);
    expect(reopened.state).toBe('ok');
    expect(reopened.at('db', 't', { file: 'b.000001', pos: 100 })?.columns.map((c) => c.name)).toEqual([
      'id',
    ]);
    expect(reopened.at('db', 't', { file: 'b.000001', pos: 300 })?.columns.map((c) => c.name)).toEqual([
      'id',
      'c',
    ]);
    expect(() => reopened.ddl('db', 'ALTER TABLE t FROBNICATE', { file: 'b.000001', pos: 400 })).toThrow(
      expect.objectContaining({ code: 'seam.mysql.ddl_unparseable' }),
    );
  });
});
