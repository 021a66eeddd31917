import { killsWhileStreaming } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/**
 * The PostgreSQL pipeline on the shared Kafka broker (`bootstrap.servers`, topics, internal topics and
 * group ids unique to the trial) with `exactly.once.source.support=enabled`: SIGKILL while streaming. A
 * source's records and offsets are one Kafka transaction, so a read_committed reader must find no change
 * twice, as on the embedded log.
 */
export const scenario: Scenario = {
  name: 'kafka-kill-streaming',
  pipeline: 'pg-kafka-es',
  description: 'PostgreSQL → Kafka (exactly-once sources) → Elasticsearch: worker SIGKILL while streaming',
  requires: ['postgres', 'kafka', 'elasticsearch'],
  inject: killsWhileStreaming,
};
