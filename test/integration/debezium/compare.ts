import type { CapturedEvent } from './events.ts';

/** One field whose value differs between the two streams (undefined: the field is absent on that side). */
export interface Difference {
  readonly variant: string;
  /** `topic#n op` — the n-th event of that topic on both sides. */
  readonly event: string;
  readonly topic: string;
  /** e.g. `value.schema.fields[source].fields[sequence].optional`, `headers[__debezium.newkey].payload.id` */
  readonly path: string;
  readonly debezium: unknown;
  readonly seam: unknown;
}

/** A field left out of the comparison because it legitimately differs run to run. */
export interface IgnoredField {
  readonly path: RegExp;
  /** Only in events of this operation (any when absent). */
  readonly op?: string;
  readonly why: string;
}

export const IGNORED: readonly IgnoredField[] = [
  {
    path: /^value\.payload\.ts_(ms|us|ns)$/,
    why: 'envelope ts_*: when the connector processed the event (source.ts_* holds the commit time and is compared)',
  },
  {
    path: /^value\.payload\.source\.version$/,
    why: "source.version: each product's own version string",
  },
  {
    path: /^value\.payload\.source\.(ts_(ms|us|ns)|lsn|sequence|txId|xmin)$/,
    op: 'r',
    why:
      "snapshot reads: each side's snapshot runs in its own transaction at its own slot's consistent point, " +
      'so the read time and position differ',
  },
  {
    path: /^headers\[__debezium\.context\.runId\]\.payload$/,
    why: '__debezium.context.runId header: a random id per connector run',
  },
];

export const ABSENT = '(absent)';

/** Every differing field of the two streams, events paired by topic and position within the topic. */
export function compareStreams(
  variant: string,
  debezium: readonly CapturedEvent[],
  seam: readonly CapturedEvent[],
): Difference[] {
  const out: Difference[] = [];
  const dbzByTopic = byTopic(debezium);
  const seamByTopic = byTopic(seam);
  for (const topic of new Set([...dbzByTopic.keys(), ...seamByTopic.keys()])) {
    const left = dbzByTopic.get(topic) ?? [];
    const right = seamByTopic.get(topic) ?? [];
    for (let i = 0; i < Math.max(left.length, right.length); i++) {
      const d = left[i];
      const s = right[i];
      const op = opOf(d ?? s);
      const event = `${topic}#${i} ${op}`;
      if (d === undefined || s === undefined) {
        out.push({
          variant,
          event,
          topic,
          path: '(event)',
          debezium: d ? 'present' : ABSENT,
          seam: s ? 'present' : ABSENT,
        });
        continue;
      }
      const dFields = flattenEvent(d);
      const sFields = flattenEvent(s);
      for (const path of new Set([...dFields.keys(), ...sFields.keys()])) {
        if (IGNORED.some((r) => (r.op === undefined || r.op === op) && r.path.test(path))) continue;
        const dv = dFields.get(path);
        const sv = sFields.get(path);
        if (!same(dv, sv)) out.push({ variant, event, topic, path, debezium: dv, seam: sv });
      }
    }
  }
  return out;
}

function byTopic(events: readonly CapturedEvent[]): Map<string, CapturedEvent[]> {
  const map = new Map<string, CapturedEvent[]>();
  for (const e of events) {
    const list = map.get(e.topic) ?? [];
    list.push(e);
    map.set(e.topic, list);
  }
  return map;
}

function opOf(e: CapturedEvent | undefined): string {
  const payload = (e?.value as { payload?: { op?: string; status?: string } } | null)?.payload;
  return payload?.op ?? payload?.status ?? (e?.value === null ? 'tombstone' : '?');
}

/** Leaf path → value. Struct fields and headers are named, not numbered; their order is a leaf `#order`. */
export function flattenEvent(e: CapturedEvent): Map<string, unknown> {
  const out = new Map<string, unknown>();
  out.set('topic', e.topic);
  flatten('key', e.key, out);
  flatten('value', e.value, out);
  out.set('headers#order', e.headers.map((h) => h.key).join(','));
  for (const h of e.headers) flatten(`headers[${h.key}]`, h.value, out);
  return out;
}

function flatten(path: string, v: unknown, out: Map<string, unknown>): void {
  if (Array.isArray(v)) {
    if (v.length === 0) out.set(path, '[]');
    if (v.every((f) => isObject(f) && typeof f.field === 'string')) {
      // A struct schema's fields: named by `field`, so one added field does not shift the others.
      out.set(`${path}#order`, v.map((f) => f.field).join(','));
      for (const f of v as Record<string, unknown>[]) {
        const { field, ...rest } = f;
        flatten(`${path}[${String(field)}]`, rest, out);
      }
      return;
    }
    v.forEach((item, i) => {
      flatten(`${path}[${i}]`, item, out);
    });
    return;
  }
  if (isObject(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) out.set(path, '{}');
    for (const k of keys) flatten(`${path}.${k}`, v[k], out);
    return;
  }
  out.set(path, v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'bigint' || typeof b === 'bigint')
    return String(a) === String(b) && a !== undefined && b !== undefined;
  return Object.is(a, b) || (a === 0 && b === 0);
}

/**
 * A plain-text table: variant, event, path, Debezium value, Seam value. Rows with the same variant,
 * topic and path are folded into the first one with a count, so one cause is one row.
 */
export function renderTable(all: readonly Difference[], width = 60): string {
  const groups = new Map<string, { first: Difference; count: number }>();
  for (const d of all) {
    const key = `${d.variant}\u0000${d.topic}\u0000${d.path}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { first: d, count: 1 });
  }
  const diffs = [...groups.values()].map(({ first, count }) =>
    count === 1 ? first : { ...first, event: `${first.event} (+${count - 1} more)` },
  );
  const cell = (v: unknown): string => {
    const text = v === undefined ? ABSENT : typeof v === 'bigint' ? v.toString() : JSON.stringify(v);
    return text.length > width ? `${text.slice(0, width - 1)}…` : text;
  };
  const rows = [
    ['variant', 'event', 'path', 'Debezium', 'Seam'],
    ...diffs.map((d) => [d.variant, d.event, d.path, cell(d.debezium), cell(d.seam)]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(rows[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}
