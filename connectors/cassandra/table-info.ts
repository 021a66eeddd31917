import type { TableMapping } from './mapping.ts';

/** What the sink needs of a table's schema (read once from the driver's metadata at start). */
export interface TableInfo {
  /** Column name → driver data type code. */
  readonly columns: ReadonlyMap<string, number>;
  readonly partitionKey: readonly string[];
  readonly clusteringKey: readonly string[];
}

/** The problems of one mapping against its table, all at once (keys name the mapping setting). */
export function mappingProblems(mapping: TableMapping, table: TableInfo): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = [];
  const key = `${mapping.prefix}.mapping`;
  const where = `${mapping.keyspace}.${mapping.table}`;
  if (mapping.query !== null) return problems;
  for (const column of mapping.columns.keys()) {
    if (!table.columns.has(column))
      problems.push({
        key,
        message: `column '${column}' does not exist in ${where} (columns: ${[...table.columns.keys()].join(', ')})`,
      });
  }
  for (const pk of [...table.partitionKey, ...table.clusteringKey]) {
    if (!mapping.columns.has(pk))
      problems.push({ key, message: `primary key column '${pk}' of ${where} is not mapped` });
  }
  return problems;
}
