import { describe, expect, it } from 'vitest';
import { mysqlConfigSpec } from '../../../connectors/mysql/config.ts';
import { MysqlSourceConnector } from '../../../connectors/mysql/connector.ts';
import { GtidSourceFilter, gtidSource } from '../../../connectors/mysql/stream/gtid-filter.ts';
import { ConfigError } from '../../../src/api/index.ts';

const base = {
  'database.hostname': 'h',
  'database.user': 'u',
  'database.server.id': '5401',
  'topic.prefix': 'p',
};
const filter = (o: Record<string, string>) => GtidSourceFilter.of(mysqlConfigSpec.parse({ ...base, ...o }))!;
const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const B = '4f22ab58-82db-22f2-af44-d91bb953a673';

describe('gtid.source.includes / excludes', () => {
  it('names a GTID source as Debezium does: MySQL server UUID, MariaDB domain-server', () => {
    expect(gtidSource(`${A.toUpperCase()}:23`, false)).toBe(A);
    expect(gtidSource(`${A}:tag_a:5`, false)).toBe(A);
    expect(gtidSource('7-12-99', true)).toBe('7-12');
    expect(gtidSource('nonsense', true)).toBeNull();
  });

  it('is absent when neither list is set', () => {
    expect(GtidSourceFilter.of(mysqlConfigSpec.parse(base))).toBeNull();
  });

  it('matches whole sources, case-insensitively, and decides which rows are emitted', () => {
    const inc = filter({ 'gtid.source.includes': '0-.*' });
    expect(inc.emitsRowsOf('0-1-5', true)).toBe(true);
    expect(inc.emitsRowsOf('10-1-5', true)).toBe(false);
    expect(inc.emitsRowsOf(null, true)).toBe(true);
    const exc = filter({ 'gtid.source.excludes': A.toUpperCase() });
    expect(exc.emitsRowsOf(`${A}:4`, false)).toBe(false);
    expect(exc.emitsRowsOf(`${B}:4`, false)).toBe(true);
    const dmlKept = filter({ 'gtid.source.excludes': A, 'gtid.source.filter.dml.events': 'false' });
    expect(dmlKept.emitsRowsOf(`${A}:4`, false)).toBe(true);
  });

  it('MariaDB start position: unknown unfollowed domains dropped, known ones kept or capped at the server', () => {
    const f = filter({ 'gtid.source.includes': '0-1' });
    const server = { executed: '0-1-100,5-2-50', purged: '' };
    expect(f.startSet('0-1-90,5-2-40,9-3-7', true, server)).toBe('0-1-90,5-2-40');
    expect(f.startSet('0-1-90,5-2-60', true, server)).toBe('0-1-90,5-2-50');
  });

  it('MySQL start set: followed UUIDs as stored, unfollowed kept only when the server has them, else purged', () => {
    const f = filter({ 'gtid.source.excludes': B });
    const server = { executed: `${A}:1-100,${B}:1-50`, purged: `${A}:1-10,${B}:1-20` };
    expect(f.startSet(`${A}:1-90,${B}:1-40`, false, server)).toBe(`${A}:1-90,${B}:1-40`);
    // The stored B intervals are beyond what the server has (after a failover): the purged ones instead.
    expect(f.startSet(`${A}:1-90,${B}:1-60`, false, server)).toBe(`${A}:1-90,${B}:1-20`);
    const c = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
    expect(f.startSet(`${A}:1-90,${c}:1-3`, false, server)).toBe(`${A}:1-90,${B}:1-20,${c}:1-3`);
  });

  it('both lists set is a ConfigError naming gtid.source.excludes, at start and in validate', async () => {
    const both = { ...base, 'gtid.source.includes': '0-1', 'gtid.source.excludes': '1-.*' };
    const error = await new MysqlSourceConnector().start(both, {} as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.key)).toEqual(['gtid.source.excludes']);
    expect((await new MysqlSourceConnector().validate(both)).map((p) => p.key)).toEqual([
      'gtid.source.excludes',
    ]);
  });

  it('an invalid regex is a ConfigError naming its key', () => {
    const error = (() => {
      try {
        mysqlConfigSpec.parse({ ...base, 'gtid.source.excludes': 'a(b' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.key)).toEqual(['gtid.source.excludes']);
  });
});
