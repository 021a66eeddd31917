import { Type } from 'typebox';

/**
 * Request schemas (JSON Schema via TypeBox). Fastify validates bodies with them, collecting every
 * problem (`allErrors`), and @fastify/swagger publishes them in `/openapi.json`. Response bodies are not
 * declared as schemas on purpose: fastify would serialize through them and silently drop fields a
 * herder adds (status `details`, `restart`).
 */

/** Kafka configs are string maps; JSON numbers and booleans are accepted and turned into strings. */
const ConfigValue = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
export const ConnectorConfig = Type.Record(Type.String(), ConfigValue, {
  description: 'Flat connector configuration, Kafka Connect style (`connector.class`, `tasks.max`, …).',
});

export const ConfigPatch = Type.Record(Type.String(), Type.Union([ConfigValue, Type.Null()]), {
  description: 'Merge patch: keys given replace, `null` deletes a key.',
});

export const TargetState = Type.Union([
  Type.Literal('RUNNING'),
  Type.Literal('PAUSED'),
  Type.Literal('STOPPED'),
]);

// Closed: a misspelt `initial_state` would otherwise be ignored and the connector start RUNNING.
export const CreateConnectorBody = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    config: ConnectorConfig,
    initial_state: Type.Optional(TargetState),
  },
  { additionalProperties: false },
);

const JsonObject = Type.Record(Type.String(), Type.Unknown());

export const OffsetsBody = Type.Object({
  offsets: Type.Array(
    Type.Object({
      partition: JsonObject,
      offset: Type.Union([JsonObject, Type.Null()]),
    }),
    { minItems: 1 },
  ),
});

export const LoggerLevelBody = Type.Object({
  level: Type.String({ description: 'TRACE, DEBUG, INFO, WARN, ERROR, FATAL or OFF' }),
});

export const NameParams = Type.Object({ name: Type.String() });
export const TaskParams = Type.Object({ name: Type.String(), task: Type.String() });

/** Query booleans are parsed as Kafka does (`true` in any case is true, anything else false). */
const QueryBoolean = Type.String({ description: 'true or false' });

export const ListQuery = Type.Object({
  expand: Type.Optional(
    Type.Union([Type.String(), Type.Array(Type.String())], { description: 'status and/or info' }),
  ),
});
export const RestartQuery = Type.Object({
  includeTasks: Type.Optional(QueryBoolean),
  onlyFailed: Type.Optional(QueryBoolean),
});
export const PluginsQuery = Type.Object({ connectorsOnly: Type.Optional(QueryBoolean) });
export const LoggerQuery = Type.Object({
  scope: Type.Optional(Type.String({ description: 'worker (default) or cluster' })),
});

export function queryBoolean(value: string | undefined, fallback: boolean): boolean {
  return value === undefined ? fallback : value.trim().toLowerCase() === 'true';
}

/** JSON config values → the string map the herder takes. */
export function toRawConfig(
  config: Readonly<Record<string, string | number | boolean>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) out[k] = String(v);
  return out;
}
