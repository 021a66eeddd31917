export interface ColumnRule {
  /** Regex over `schema.table.column`. */
  readonly columns: RegExp;
  readonly kind: 'mask' | 'truncate' | 'hash';
  readonly length?: number;
  readonly algorithm?: string;
  readonly salt?: string;
}

/** Reads the pattern keys `column.mask.with.N.chars`, `column.truncate.to.N.chars`, `column.mask.hash.ALG.with.salt.SALT`. */
export function columnRules(raw: Readonly<Record<string, unknown>>): ColumnRule[] {
  const rules: ColumnRule[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') continue;
    const rule = ruleOfKey(key);
    if (rule === null) continue;
    for (const pattern of value.split(',').map((v) => v.trim())) {
      if (pattern !== '') rules.push({ ...rule, columns: anchored(pattern) });
    }
  }
  return rules;
}

function ruleOfKey(key: string): Omit<ColumnRule, 'columns'> | null {
  let m = /^column\.mask\.with\.(\d+)\.chars$/.exec(key);
  if (m) return { kind: 'mask', length: Number(m[1]) };
  m = /^column\.truncate\.to\.(\d+)\.chars$/.exec(key);
  if (m) return { kind: 'truncate', length: Number(m[1]) };
  m = /^column\.mask\.hash\.([A-Za-z0-9-]+)\.with\.salt\.(.*)$/.exec(key);
  if (m) return { kind: 'hash', algorithm: m[1]!, salt: m[2]! };
  return null;
}

/** Debezium matches include/exclude regexes against the whole identifier, case-insensitively. */
export function anchored(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 'i');
}
