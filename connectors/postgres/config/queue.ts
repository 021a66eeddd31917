import { atLeast, configSpec } from '../../../src/api/index.ts';

/** Batching and buffering between the replication stream and poll(). */

const EVENTS = 'Events';

export const queueSpec = configSpec()
  .define({
    name: 'max.batch.size',
    type: 'int',
    default: 2048,
    group: EVENTS,
    doc: 'Most records returned by one poll().',
    validator: atLeast(1),
  })
  .define({
    name: 'max.queue.size',
    type: 'int',
    default: 8192,
    group: EVENTS,
    doc: 'Most records buffered between the replication stream and poll(); the stream pauses when full. Seam buffers at most max.batch.size (one poll) even when this is larger: decoding further ahead on the same thread only holds memory.',
    validator: atLeast(1),
  })
  .define({
    name: 'max.queue.size.in.bytes',
    type: 'long',
    default: 0,
    group: EVENTS,
    doc: 'Accepted for compatibility; the queue is bounded by max.queue.size.',
  })
  .define({
    name: 'poll.interval.ms',
    type: 'long',
    default: 500,
    group: EVENTS,
    doc: 'Longest wait of poll() for new records.',
    validator: atLeast(1),
  })
  .define({
    name: 'retriable.restart.connector.wait.ms',
    type: 'long',
    default: 10000,
    group: EVENTS,
    doc: 'Longest wait between reconnect attempts of a lost replication stream (the first waits 500 ms, doubling).',
  });
