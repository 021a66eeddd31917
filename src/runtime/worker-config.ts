import { atLeast, type ConfigOf, configSpec } from '../api/index.ts';

/**
 * Worker configuration: Kafka Connect standalone names where they exist, Seam keys otherwise.
 * `offset.flush.interval.ms` defaults to 1000 instead of Kafka's 10000: source offsets are written in the
 * same append as their records, so the interval only paces sink commits and `SourceTask.commit()`; a
 * short interval bounds the duplicates a sink re-reads after a crash, and a commit to the embedded log is
 * a single small transaction (docs/decisions/2026-11-23-runtime-offsets-and-restarts.md).
 */
export const workerConfigSpec = configSpec()
  .define({
    name: 'listeners',
    type: 'list',
    default: ['http://:8083'],
    doc: 'REST listeners (URIs).',
    group: 'REST',
  })
  .define({
    name: 'rest.host.name',
    type: 'string',
    default: null,
    doc: 'Host the REST server binds to.',
    group: 'REST',
  })
  .define({ name: 'rest.port', type: 'int', default: 8083, doc: 'Port of the REST server.', group: 'REST' })
  .define({
    name: 'key.converter',
    type: 'class',
    default: 'org.apache.kafka.connect.json.JsonConverter',
    doc: 'Default key converter of every connector.',
    group: 'Converters',
  })
  .define({
    name: 'value.converter',
    type: 'class',
    default: 'org.apache.kafka.connect.json.JsonConverter',
    doc: 'Default value converter of every connector.',
    group: 'Converters',
  })
  .define({
    name: 'header.converter',
    type: 'class',
    default: 'org.apache.kafka.connect.storage.SimpleHeaderConverter',
    doc: 'Default header converter of every connector.',
    group: 'Converters',
  })
  .define({
    name: 'offset.flush.interval.ms',
    type: 'long',
    default: 1000,
    validator: atLeast(1),
    doc: 'How often sink tasks flush and commit offsets, and source tasks get commit().',
    group: 'Offsets',
  })
  .define({
    name: 'offset.flush.timeout.ms',
    type: 'long',
    default: 5000,
    validator: atLeast(1),
    doc: 'Longest a flush + offset commit may take before the task is failed.',
    group: 'Offsets',
  })
  .define({
    name: 'task.shutdown.graceful.timeout.ms',
    type: 'long',
    default: 5000,
    validator: atLeast(0),
    doc: 'Longest a connector or task may take to stop; after it the instance is abandoned.',
    group: 'Tasks',
  })
  .define({
    name: 'data.dir',
    type: 'string',
    default: 'data',
    doc: 'Directory of the embedded log and the stores.',
    group: 'Seam',
  })
  .define({
    name: 'task.auto.restart.enable',
    type: 'boolean',
    default: true,
    doc: 'Restart FAILED tasks and connectors automatically, with exponential backoff.',
    group: 'Tasks',
  })
  .define({
    name: 'task.auto.restart.initial.backoff.ms',
    type: 'long',
    default: 1000,
    validator: atLeast(0),
    doc: 'Delay before the first automatic restart; doubled on each failure.',
    group: 'Tasks',
  })
  .define({
    name: 'task.auto.restart.max.backoff.ms',
    type: 'long',
    default: 300_000,
    validator: atLeast(0),
    doc: 'Longest delay between automatic restarts; a task running this long without failing resets the count.',
    group: 'Tasks',
  })
  .define({
    name: 'task.poll.timeout.ms',
    type: 'long',
    default: 300_000,
    validator: atLeast(1),
    doc: 'A poll(), put(), flush() or start() that does not settle within this time fails the task as hung.',
    group: 'Tasks',
  })
  .define({
    name: 'max.in.flight.records',
    type: 'int',
    default: 10_000,
    validator: atLeast(1),
    doc: 'Source records polled but not yet durable, per task; poll() waits while the bound is reached.',
    group: 'Tasks',
  });

export type WorkerConfig = ConfigOf<typeof workerConfigSpec>;

/** Parses a raw worker config; throws ConfigError listing every problem. */
export function parseWorkerConfig(raw: Readonly<Record<string, string>>): WorkerConfig {
  return workerConfigSpec.parse(raw);
}
