import type ZongJi from '@vlasky/zongji';
import type { ColumnMeta } from '../schema/column.ts';

/** What zongji hands its column lookup: a table map event. */
export interface TableMapEvent {
  readonly schemaName: string;
  readonly tableName: string;
  readonly tableId: number;
  readonly nextPosition: number;
  readonly size: number;
}

/**
 * Makes zongji take a table map's column list from `lookup` (the schema history at the event's position)
 * instead of information_schema (the schema of today), falling back to information_schema when the
 * lookup has nothing (a table the history does not track). zongji asks for every table map without
 * column names (binlog_row_metadata=MINIMAL) and, on MariaDB, for tables with 5.3 temporal columns.
 */
export function lookUpColumns(
  zongji: ZongJi,
  lookup: (db: string, table: string, ev: TableMapEvent) => readonly ColumnMeta[] | undefined,
): void {
  const z = zongji as unknown as {
    _fetchTableInfo(ev: TableMapEvent, next: () => void): void;
    tableMap: Record<number, unknown>;
  };
  const fromServer = z._fetchTableInfo.bind(z);
  z._fetchTableInfo = (ev, next) => {
    const cols = lookup(ev.schemaName, ev.tableName, ev);
    if (!cols) {
      fromServer(ev, next);
      return;
    }
    z.tableMap[ev.tableId] = {
      columnSchemas: cols.map((c) => ({
        COLUMN_NAME: c.name,
        COLLATION_NAME: null,
        CHARACTER_SET_NAME: c.charset,
        COLUMN_COMMENT: '',
        COLUMN_TYPE: c.columnType,
      })),
      parentSchema: ev.schemaName,
      tableName: ev.tableName,
    };
    next();
  };
}
