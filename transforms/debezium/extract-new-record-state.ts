import type { EntryPlan, PlanField } from '../../src/api/field-plan.ts';
import {
  type ConnectRecord,
  configSpec,
  type Header,
  type Headers,
  oneOf,
  POSITION_HEADER,
  type Schema,
  Schemas,
} from '../../src/api/index.ts';
import type { Draft } from '../../src/api/transform-hooks.ts';
import { REPLACE_NULL_KEY } from '../support/field-path.ts';
import { debeziumTransform } from '../support/plugin.ts';
import { bothForms, isPlainObject } from '../support/record-side.ts';
import { copySchemaBasics, hasFieldDefaults, SchemaCache } from '../support/schema-util.ts';
import { type Copier, compileCopier, readField } from '../support/struct-copier.ts';
import { isEnvelope, metadataSchema, metadataValue, parseMetadataField } from './envelope-fields.ts';

const MODES = ['drop', 'tombstone', 'rewrite', 'rewrite-with-tombstone', 'delete-to-tombstone'] as const;
type Mode = (typeof MODES)[number];

const spec = configSpec()
  .define({
    name: 'delete.tombstone.handling.mode',
    type: 'string',
    default: 'tombstone',
    validator: oneOf(MODES),
    recommended: MODES,
    importance: 'medium',
    doc: 'How to handle delete events and tombstones: drop (remove both), tombstone (each delete becomes a tombstone; tombstones kept), rewrite (deletes become the before state with __deleted=true; tombstones dropped), rewrite-with-tombstone (as rewrite, tombstones kept), delete-to-tombstone (deletes become tombstones; original tombstones dropped).',
  })
  .define({
    name: 'route.by.field',
    type: 'string',
    default: '',
    importance: 'low',
    doc: 'A field of the row whose value replaces the topic name.',
  })
  .define({
    name: 'add.fields.prefix',
    type: 'string',
    default: '__',
    importance: 'low',
    doc: 'Prefix of the field names added by add.fields.',
  })
  .define({
    name: 'add.fields',
    type: 'list',
    default: [],
    importance: 'low',
    doc: "Envelope metadata to add to the row, e.g. 'op,table,lsn,source.ts_ms' adds __op, __table, __lsn and __source_ts_ms; 'field:NAME' chooses the name.",
  })
  .define({
    name: 'add.headers.prefix',
    type: 'string',
    default: '__',
    importance: 'low',
    doc: 'Prefix of the header names added by add.headers.',
  })
  .define({
    name: 'add.headers',
    type: 'list',
    default: [],
    importance: 'low',
    doc: 'Envelope metadata to add as headers, same syntax as add.fields.',
  })
  .define({
    name: 'add.position.header',
    type: 'boolean',
    // Off until a fused transform chain can add headers: with it on, inserts and updates take the slower
    // step-by-step path (see the 2026-12-02-es-sink-hard-deletes-with-markers decision record).
    default: false,
    importance: 'low',
    doc: `(Seam) Adds the header ${POSITION_HEADER} with the source position fields, so sinks order flattened records by source position without add.fields; the value is unchanged. Default false for now: with it on, this step cannot join a fused run of transforms.`,
  })
  .define({
    name: 'drop.fields.header.name',
    type: 'string',
    default: '',
    importance: 'low',
    doc: 'A header listing field names (an array of strings) to drop from the value (and key, with drop.fields.from.key).',
  })
  .define({
    name: 'drop.fields.from.key',
    type: 'boolean',
    default: false,
    importance: 'low',
    doc: 'Whether the fields named in drop.fields.header.name are also dropped from the key.',
  })
  .define({
    name: 'drop.fields.keep.schema.compatible',
    type: 'boolean',
    default: true,
    importance: 'low',
    doc: 'Only drop fields that are optional, so the new schema stays compatible.',
  })
  .define(REPLACE_NULL_KEY);

type Envelope = Readonly<Record<string, unknown>>;

interface Plan {
  readonly schema: Schema;
  /** Builds the value from the row and the envelope; null when the row itself becomes the value. */
  readonly copy: Copier<Envelope> | null;
  /** The same as a field plan for an insert or update (see {@link planned}). */
  readonly entry: EntryPlan | null;
}

/** The fields of `source` / `transaction` that src/api's sourcePosition reads. */
const POSITION_FIELDS = ['connector', 'lsn', 'sequence', 'file', 'pos', 'row', 'gtid', 'snapshot'];

/** The {@link POSITION_HEADER} value of an envelope, or null when its source names no position. */
function positionHeaderValue(envelope: Envelope): string | null {
  const source = envelope.source;
  if (!isPlainObject(source)) return null;
  const picked: Record<string, unknown> = {};
  for (const f of POSITION_FIELDS) if (source[f] !== undefined && source[f] !== null) picked[f] = source[f];
  if (picked.lsn === undefined && picked.sequence === undefined && picked.file === undefined) return null;
  const tx = envelope.transaction;
  const order = isPlainObject(tx) ? tx.total_order : undefined;
  const body =
    order === undefined || order === null
      ? { source: picked }
      : { source: picked, transaction: { total_order: order } };
  return JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function isDeleteEvent(envelope: Envelope): boolean {
  return envelope.op === 'd' || envelope.after === null || envelope.after === undefined;
}

/** Debezium's event-flattening SMT: replaces the change envelope with its row state. */
export const extractNewRecordStatePlugin = debeziumTransform(
  {
    name: 'ExtractNewRecordState',
    debeziumClass: 'io.debezium.transforms.ExtractNewRecordState',
    doc: 'Extracts the after (row) state from a Debezium change event envelope, with configurable handling of deletes and tombstones, metadata fields and headers, and routing by a row field. Non-envelope records (heartbeats, schema changes) pass unchanged.',
    configSpec: spec,
  },
  (config) => {
    const mode = config['delete.tombstone.handling.mode'].toLowerCase() as Mode;
    const keepTombstones = mode === 'tombstone' || mode === 'rewrite-with-tombstone';
    const rewrite = mode === 'rewrite' || mode === 'rewrite-with-tombstone';
    const addFields = config['add.fields'].map((f) => parseMetadataField(f, config['add.fields.prefix']));
    const addHeaders = config['add.headers'].map((f) => parseMetadataField(f, config['add.headers.prefix']));
    const positionHeader = config['add.position.header'];
    const routeBy = config['route.by.field'];
    const dropHeader = config['drop.fields.header.name'];
    const replaceNull = config['replace.null.with.default'];
    const plans = new SchemaCache<Plan | null>();
    const dropCache = new SchemaCache<Map<string, Schema>>();

    // The fields appended to the row: metadata from the envelope, then __deleted.
    const appended: { name: string; get: (envelope: Envelope) => unknown }[] = addFields.map((f) => ({
      name: f.outName,
      get: (envelope: Envelope) => metadataValue(envelope, f),
    }));
    if (rewrite) appended.push({ name: '__deleted', get: (e: Envelope) => String(isDeleteEvent(e)) });
    // Values are immutable, so with nothing to add the row object itself can become the value.
    const spreadRow =
      appended.length === 0 ? null : compileCopier<Envelope>({ spread: true, fields: appended });
    // The appended fields as plan fields, which read the envelope from the record entering the step.
    // Metadata fields are also described as paths into the envelope (`is`), so the runtime can read them
    // in its generated code (each prototype check is a call into the engine's runtime, so the one entryPlan
    // made of the envelope is not repeated).
    const appendedPlan: PlanField[] = appended.map((f, i) => {
      const m = addFields[i];
      const get = (r: ConnectRecord) => f.get(r.value as Envelope);
      if (m === undefined) return { name: f.name, get };
      const path: [string, ...string[]] =
        m.struct === null ? ['value', m.field] : ['value', m.struct, m.field];
      // entryPlan only plans records whose value (the envelope) is a plain object.
      return { name: f.name, get, is: { path, knownPlain: 1 } };
    });
    const rowOf = (r: ConnectRecord) => (r.value as Envelope).after as Envelope;
    // Only inserts and updates of a plain configuration are planned: they change nothing but the value
    // (a fused chain cannot add headers, so the position header turns planning off).
    const planned = addHeaders.length === 0 && !positionHeader && routeBy === '' && dropHeader === '';

    /** The output schema for a row schema within an envelope schema (added fields, then __deleted). */
    const plan = (envelope: Schema): Plan | null => {
      const row =
        envelope.fields?.find((f) => f.name === 'after')?.schema ??
        envelope.fields?.find((f) => f.name === 'before')?.schema;
      if (row?.type !== 'struct') return null;
      // Field defaults to apply need a field-by-field copy; otherwise the row is spread or shared.
      const byField = replaceNull && hasFieldDefaults(row);
      const read = byField ? (row.fields ?? []).map((f) => readField(f, replaceNull)) : [];
      const copy = byField
        ? compileCopier<Envelope>({ spread: false, fields: [...read, ...appended] })
        : spreadRow;
      let schema = row;
      if (appended.length > 0) {
        const b = copySchemaBasics(row);
        if (row.optional) b.optional();
        for (const f of row.fields ?? []) b.field(f.name, f.schema);
        for (const f of addFields) b.field(f.outName, metadataSchema(envelope, f) ?? Schemas.OPTIONAL_STRING);
        if (rewrite) b.field('__deleted', Schemas.OPTIONAL_STRING);
        schema = b.build();
      }
      const struct = copy === null ? null : { spread: !byField, fields: [...read, ...appendedPlan] };
      return { schema, copy, entry: planned ? { schema, struct, input: rowOf } : null };
    };

    const dropFields = (
      schema: Schema | null,
      value: unknown,
      names: ReadonlySet<string>,
    ): [Schema | null, unknown] => {
      if (!isPlainObject(value)) return [schema, value];
      const droppable = (n: string) =>
        names.has(n) &&
        (!config['drop.fields.keep.schema.compatible'] ||
          schema === null ||
          schema.fields?.find((f) => f.name === n)?.schema.optional === true);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) if (!droppable(k)) out[k] = v;
      if (schema === null) return [null, out];
      const cacheKey = [...names].sort().join(',');
      const bySet = dropCache.get(schema, () => new Map());
      let s = bySet.get(cacheKey);
      if (!s) {
        const b = copySchemaBasics(schema);
        if (schema.optional) b.optional();
        for (const f of schema.fields ?? []) if (!droppable(f.name)) b.field(f.name, f.schema);
        s = b.build();
        bySet.set(cacheKey, s);
      }
      return [s, out];
    };

    const withHeaders = (
      headers: Headers,
      envelope: Readonly<Record<string, unknown>>,
      envSchema: Schema | null,
    ): Header[] | null => {
      const position = positionHeader ? positionHeaderValue(envelope) : null;
      if (addHeaders.length === 0 && position === null) return null;
      const out = [...headers];
      for (const f of addHeaders)
        out.push({
          key: f.outName,
          value: metadataValue(envelope, f),
          schema: envSchema ? (metadataSchema(envSchema, f) ?? null) : null,
        });
      if (position !== null) out.push({ key: POSITION_HEADER, value: position, schema: Schemas.STRING });
      return out;
    };

    // The entry plan of the last envelope schema seen: what depends on the schema only is decided once
    // per schema, as a stream mostly repeats one.
    let lastEnvSchema: Schema | null = null;
    let lastEntry: EntryPlan | null = null;
    /** The plan of an insert or update whose row is a struct (what `apply` does with it below). */
    const entryPlan = (record: ConnectRecord): EntryPlan | null => {
      const envSchema = record.valueSchema;
      const envelope = record.value;
      // isEnvelope's value half, then an insert or update (not a truncate or delete) with a struct row.
      if (!planned || envSchema === null || !isPlainObject(envelope)) return null;
      const op = envelope.op;
      if (op === 't' || op === 'd' || !isPlainObject(envelope.after)) return null;
      if (envSchema !== lastEnvSchema) {
        const named = envSchema.type === 'struct' && (envSchema.name?.endsWith('.Envelope') ?? false);
        lastEntry = named ? (plans.get(envSchema, plan)?.entry ?? null) : null;
        lastEnvSchema = envSchema;
      }
      return lastEntry;
    };

    return bothForms(
      <R extends ConnectRecord>(record: R, inPlace: boolean): R | null => {
        if (record.value === null || record.value === undefined) return keepTombstones ? record : null;
        const envelope = record.value;
        const envSchema = record.valueSchema;
        if (!isEnvelope(envSchema, envelope)) return record;
        const op = envelope.op;
        if (op === 't') return null;
        const isDelete = isDeleteEvent(envelope);
        // Read before `out` changes, as `out` may be `record` itself.
        const { headers: inHeaders, keySchema: inKeySchema, key: inKey } = record;
        if (isDelete && !rewrite) {
          if (mode === 'drop') return null;
          const headers = withHeaders(inHeaders, envelope, envSchema);
          const out = (inPlace ? record : { ...record }) as Draft<R>;
          out.valueSchema = envSchema?.fields?.find((f) => f.name === 'after')?.schema ?? null;
          out.value = null;
          if (headers) out.headers = headers;
          return out;
        }
        const row = isDelete ? envelope.before : envelope.after;
        if (!isPlainObject(row)) return null;
        const p = envSchema === null ? null : plans.get(envSchema, plan);
        const copy = p === null ? spreadRow : p.copy;
        const value = copy === null ? row : copy(row, envelope);

        const out = (inPlace ? record : { ...record }) as Draft<R>;
        out.valueSchema = p?.schema ?? null;
        out.value = value;
        const headers = withHeaders(inHeaders, envelope, envSchema);
        if (headers) out.headers = headers;
        if (dropHeader !== '') {
          const h = inHeaders.findLast((x) => x.key === dropHeader);
          if (h && Array.isArray(h.value)) {
            const names = new Set(h.value.map(String));
            [out.valueSchema, out.value] = dropFields(out.valueSchema, value, names);
            if (config['drop.fields.from.key'])
              [out.keySchema, out.key] = dropFields(inKeySchema, inKey, names);
          }
        }
        if (routeBy !== '') {
          const topic = value[routeBy];
          if (topic !== null && topic !== undefined) out.topic = String(topic);
        }
        return out;
      },
      { entryPlan },
    );
  },
);
