import type { Header, SinkRecord } from '../api/index.ts';
import type { StoredRecord } from '../log/topic-log.ts';
import type { Failure } from './dead-letter.ts';
import type { RetryWithToleranceOperator } from './retry-with-tolerance.ts';
import type { StageContext } from './stage.ts';
import type { TaskConverters } from './task-converters.ts';
import type { TransformChain } from './transform-chain.ts';

/** What a sink task's record conversion needs (split out of sink-task-runner.ts). */
export interface SinkConversion {
  /** The sink's class, named by a transform stage whose class is unknown. */
  readonly className: string;
  readonly converters: TaskConverters;
  readonly retry: RetryWithToleranceOperator;
  readonly transforms: TransformChain;
  readonly transformClasses: readonly string[];
  /** Writes a record that failed a stage to the dead-letter queue (a no-op without one). */
  readonly deadLetter: (stored: StoredRecord, failure: Failure) => Promise<void>;
}

/**
 * Converters then transforms, as Kafka Connect's WorkerSinkTask.convertAndTransformRecord; null when
 * dropped by a transform or skipped by errors.tolerance (after its dead letter is written).
 */
export async function toSinkRecord(c: SinkConversion, stored: StoredRecord): Promise<SinkRecord | null> {
  const { converters, retry, transforms, transformClasses } = c;
  const topic = stored.topic;
  const describe = () => ({ topic, partition: stored.partition, offset: stored.offset });
  const stage = (s: StageContext['stage'], className: string | undefined): StageContext => ({
    stage: s,
    className: className ?? c.className,
  });
  const convert = async <T>(ctx: StageContext, fn: () => T): Promise<{ value: T } | null> => {
    try {
      return { value: fn() };
    } catch (e) {
      const r = await retry.recover(ctx, e, fn, { describe });
      if (r.ok) return { value: r.value };
      await c.deadLetter(stored, { ...ctx, error: r.error });
      return null;
    }
  };
  const headers = await convert(stage('HEADER_CONVERTER', converters.headerClass), () =>
    stored.headers.map((h): Header => {
      const sv = converters.header.toConnectHeader(topic, h.key, h.value);
      return { key: h.key, value: sv.value, schema: sv.schema };
    }),
  );
  if (headers === null) return null;
  const key = await convert(stage('KEY_CONVERTER', converters.keyClass), () =>
    converters.key.toConnectData(topic, stored.key, headers.value),
  );
  if (key === null) return null;
  const value = await convert(stage('VALUE_CONVERTER', converters.valueClass), () =>
    converters.value.toConnectData(topic, stored.value, headers.value),
  );
  if (value === null) return null;
  let record: SinkRecord | null = {
    topic,
    kafkaPartition: stored.partition,
    kafkaOffset: stored.offset,
    keySchema: key.value.schema,
    key: key.value.value,
    valueSchema: value.value.schema,
    value: value.value.value,
    timestamp: stored.timestamp,
    timestampType: 'CreateTime',
    headers: headers.value,
    originalTopic: topic,
    originalKafkaPartition: stored.partition,
    originalKafkaOffset: stored.offset,
  };
  // The whole chain at once (one record copy, fused steps); a throw re-runs it step by step below so
  // the error is retried, tolerated or dead-lettered as its own stage. Transforms are pure.
  const input: SinkRecord = record;
  let from = 0;
  try {
    record = transforms.apply(input);
    from = transforms.steps.length;
  } catch {
    record = input;
  }
  for (let i = from; record !== null && i < transforms.steps.length; i++) {
    const step = await convert(stage('TRANSFORMATION', transformClasses[i]), () =>
      transforms.applyStep(i, record as SinkRecord),
    );
    record = step === null ? null : step.value;
  }
  return record;
}
