import type {
  ConfigSpec,
  Predicate,
  PredicatePlugin,
  Transformation,
  TransformPlugin,
} from '../../src/api/index.ts';

/** Version reported for every built-in transform and predicate (the Seam release they ship with). */
export const TRANSFORMS_VERSION = '0.1.0';

const KAFKA_PACKAGE = 'org.apache.kafka.connect.transforms';
const SEAM_PACKAGE = 'io.seam.transforms';

/** Which part of the record a `$Key` / `$Value` transform works on. */
export type Side = 'key' | 'value';

interface Definition<C extends Record<string, unknown>> {
  /** Simple name, e.g. `InsertField`. */
  readonly name: string;
  readonly doc: string;
  readonly configSpec: ConfigSpec<C>;
  /** Extra accepted names (Kafka / Debezium / Confluent class names). */
  readonly aliases?: readonly string[];
}

function plugin<C extends Record<string, unknown>>(
  className: string,
  aliases: readonly string[],
  def: Definition<C>,
  create: (config: Readonly<C>) => Transformation,
): TransformPlugin {
  const spec = def.configSpec as unknown as ConfigSpec<Record<string, unknown>>;
  return Object.freeze({
    kind: 'transformation' as const,
    className,
    aliases,
    version: TRANSFORMS_VERSION,
    doc: def.doc,
    configSpec: spec,
    create: (raw: Readonly<Record<string, unknown>>) => create(def.configSpec.parse(raw) as Readonly<C>),
  });
}

/** A Kafka SMT with `$Key` and `$Value` variants, also accepting Kafka's class names. */
export function keyValueTransforms<C extends Record<string, unknown>>(
  def: Definition<C>,
  create: (config: Readonly<C>, side: Side) => Transformation,
): TransformPlugin[] {
  return (['Key', 'Value'] as const).map((variant) =>
    plugin(
      `${SEAM_PACKAGE}.${def.name}$${variant}`,
      [`${KAFKA_PACKAGE}.${def.name}$${variant}`, ...(def.aliases ?? []).map((a) => `${a}$${variant}`)],
      { ...def, doc: `${def.doc} (applies to the record ${variant.toLowerCase()})` },
      (config) => create(config, variant === 'Key' ? 'key' : 'value'),
    ),
  );
}

/** A Kafka SMT without variants (routers, header transforms, Filter). */
export function kafkaTransform<C extends Record<string, unknown>>(
  def: Definition<C>,
  create: (config: Readonly<C>) => Transformation,
): TransformPlugin {
  return plugin(
    `${SEAM_PACKAGE}.${def.name}`,
    [`${KAFKA_PACKAGE}.${def.name}`, ...(def.aliases ?? [])],
    def,
    create,
  );
}

/** A Debezium SMT, accepted under its Debezium class name (`debeziumClass`). */
export function debeziumTransform<C extends Record<string, unknown>>(
  def: Definition<C> & { readonly debeziumClass: string },
  create: (config: Readonly<C>) => Transformation,
): TransformPlugin {
  return plugin(
    `${SEAM_PACKAGE}.debezium.${def.name}`,
    [def.debeziumClass, ...(def.aliases ?? [])],
    def,
    create,
  );
}

export function kafkaPredicate<C extends Record<string, unknown>>(
  def: Definition<C>,
  create: (config: Readonly<C>) => Predicate,
): PredicatePlugin {
  const spec = def.configSpec as unknown as ConfigSpec<Record<string, unknown>>;
  return Object.freeze({
    kind: 'predicate' as const,
    className: `${SEAM_PACKAGE}.predicates.${def.name}`,
    aliases: [`${KAFKA_PACKAGE}.predicates.${def.name}`, ...(def.aliases ?? [])],
    version: TRANSFORMS_VERSION,
    doc: def.doc,
    configSpec: spec,
    create: (raw: Readonly<Record<string, unknown>>) => create(def.configSpec.parse(raw) as Readonly<C>),
  });
}
