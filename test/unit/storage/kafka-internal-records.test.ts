/**
 * The record formats of Kafka Connect's internal topics and how they fold into Seam's records, without
 * a broker (test/integration/kafka/internal-*.test.ts run them against Kafka and Kafka Connect itself).
 */
import { describe, expect, it } from 'vitest';
import {
  canonicalPartition,
  OffsetKeySpellings,
  offsetRecord,
} from '../../../src/log/kafka/offset-records.ts';
import type { ConnectorRecord } from '../../../src/storage/connector-state.ts';
import {
  ConfigTopicState,
  putWrites,
  removeWrites,
  targetStateWrite,
} from '../../../src/storage/kafka/config-records.ts';
import type { InternalWrite } from '../../../src/storage/kafka/internal-topic.ts';
import { internalTopicsConfig } from '../../../src/storage/kafka/internal-topics-config.ts';
import {
  canWriteSafely,
  StatusTopicState,
  statusValue,
  topicWrite,
} from '../../../src/storage/kafka/status-records.ts';

const dec = new TextDecoder();
const text = (w: InternalWrite) => [w.key, w.value === null ? null : dec.decode(w.value)];
const fold = (state: ConfigTopicState, records: [string, string | null][]) => {
  for (const [k, v] of records) state.apply(k, v === null ? null : JSON.parse(v));
};
const record: ConnectorRecord = {
  config: { name: 'c', 'connector.class': 'X' },
  targetState: 'RUNNING',
  taskConfigs: [{ t: '0' }, { t: '1' }],
};

describe('config topic records', () => {
  it("writes a new connector in Kafka Connect's order and formats", () => {
    expect(putWrites('c', undefined, record, ['created']).map(text)).toEqual([
      ['target-state-c', '{"state":"STARTED","state.v2":"STARTED"}'],
      ['connector-c', '{"properties":{"name":"c","connector.class":"X"}}'],
      ['task-c-0', '{"properties":{"t":"0"}}'],
      ['task-c-1', '{"properties":{"t":"1"}}'],
      ['commit-c', '{"tasks":2}'],
    ]);
  });

  it('writes STOPPED as PAUSED for workers older than 3.5, with state.v2 STOPPED', () => {
    expect(text(targetStateWrite('c', 'STOPPED'))).toEqual([
      'target-state-c',
      '{"state":"PAUSED","state.v2":"STOPPED"}',
    ]);
    expect(text(targetStateWrite('c', 'PAUSED'))).toEqual([
      'target-state-c',
      '{"state":"PAUSED","state.v2":"PAUSED"}',
    ]);
  });

  it('writes only the parts that changed; a rebuild under a seam- key; removal tombstones config and target', () => {
    const rebuild = {
      generation: 1,
      startedAt: 't',
      plan: { rebuildOverrides: {}, liveOverrides: {}, state: {} },
      targets: null,
    };
    expect(
      putWrites('c', record, { ...record, targetState: 'PAUSED' }, ['target']).map((w) => w.key),
    ).toEqual(['target-state-c']);
    expect(putWrites('c', record, { ...record, rebuild }, ['rebuild']).map(text)).toEqual([
      ['seam-rebuild-c', JSON.stringify({ version: 1, rebuild })],
    ]);
    expect(putWrites('c', record, record, [])).toEqual([]);
    expect(removeWrites('c', { ...record, rebuild }).map(text)).toEqual([
      ['seam-rebuild-c', null],
      ['connector-c', null],
      ['target-state-c', null],
    ]);
  });

  it('round-trips a record through its writes', () => {
    const state = new ConfigTopicState();
    for (const w of putWrites('c', undefined, { ...record, targetState: 'STOPPED' }, ['created']))
      state.apply(w.key, w.value === null ? null : JSON.parse(dec.decode(w.value)));
    expect(state.record('c')).toEqual({ ...record, targetState: 'STOPPED' });
    expect(state.names()).toEqual(['c']);
  });

  it('holds task configs back until the commit, and defaults the target state to STARTED (RUNNING)', () => {
    const state = new ConfigTopicState();
    fold(state, [
      ['connector-c', '{"properties":{"a":"b"}}'],
      ['task-c-0', '{"properties":{"n":"0"}}'],
    ]);
    expect(state.record('c')).toEqual({ config: { a: 'b' }, targetState: 'RUNNING', taskConfigs: [] });
    fold(state, [['commit-c', '{"tasks":1}']]);
    expect(state.record('c')?.taskConfigs).toEqual([{ n: '0' }]);
  });

  it('marks a commit whose task configs were compacted away inconsistent, until a complete commit', () => {
    // Kafka Connect's own example: task 1's first config compacted, then a commit of 2 tasks.
    const state = new ConfigTopicState();
    fold(state, [
      ['connector-foo', '{"properties":{}}'],
      ['task-foo-0', '{"properties":{"v":"1"}}'],
      ['commit-foo', '{"tasks":2}'],
    ]);
    expect(state.inconsistent('foo')).toBe(true);
    expect(state.record('foo')?.taskConfigs).toEqual([]);
    fold(state, [
      ['task-foo-0', '{"properties":{"v":"2"}}'],
      ['task-foo-1', '{"properties":{"v":"2"}}'],
      ['commit-foo', '{"tasks":2}'],
    ]);
    expect(state.inconsistent('foo')).toBe(false);
    expect(state.record('foo')?.taskConfigs).toEqual([{ v: '2' }, { v: '2' }]);
    // Fewer tasks later: the commit's count wins over older task records left in the topic.
    fold(state, [
      ['task-foo-0', '{"properties":{"v":"3"}}'],
      ['commit-foo', '{"tasks":1}'],
    ]);
    expect(state.record('foo')?.taskConfigs).toEqual([{ v: '3' }]);
  });

  it("parses task keys of connectors with dashes in their names, and reads an old worker's target state", () => {
    const state = new ConfigTopicState();
    fold(state, [
      ['connector-my-db-src', '{"properties":{}}'],
      ['task-my-db-src-0', '{"properties":{"x":"y"}}'],
      ['commit-my-db-src', '{"tasks":1}'],
      ['target-state-my-db-src', '{"state":"PAUSED"}'],
    ]);
    expect(state.record('my-db-src')).toEqual({
      config: {},
      targetState: 'PAUSED',
      taskConfigs: [{ x: 'y' }],
    });
  });

  it('deletes the connector and its tasks on a config tombstone; skips keys it has no state for', () => {
    const state = new ConfigTopicState();
    fold(state, [
      ['connector-c', '{"properties":{}}'],
      ['task-c-0', '{"properties":{}}'],
      ['commit-c', '{"tasks":1}'],
      ['session-key', '{"key":"a","algorithm":"HmacSHA256","creation-timestamp":1}'],
      ['restart-connector-c', '{"include-tasks":true,"only-failed":false}'],
      ['connector-c', null],
    ]);
    expect(state.record('c')).toBeUndefined();
    // Re-created: no tasks from the old incarnation.
    fold(state, [['connector-c', '{"properties":{"v":"2"}}']]);
    expect(state.record('c')).toEqual({ config: { v: '2' }, targetState: 'RUNNING', taskConfigs: [] });
  });
});

describe('status topic records', () => {
  it("writes Kafka Connect's status value, with Seam's extras in seam.* fields", () => {
    expect(
      dec.decode(statusValue({ status: { state: 'RUNNING', worker_id: 'h:8083' }, generation: 4 })),
    ).toBe('{"state":"RUNNING","trace":null,"worker_id":"h:8083","generation":4}');
    expect(
      JSON.parse(
        dec.decode(
          statusValue({
            status: {
              state: 'FAILED',
              worker_id: 'w',
              trace: 't',
              restart: { attempts: 1, next_attempt_at: null },
            },
            generation: 0,
          }),
        ),
      ),
    ).toEqual({
      state: 'FAILED',
      trace: 't',
      worker_id: 'w',
      generation: 0,
      'seam.restart': { attempts: 1, next_attempt_at: null },
    });
    expect(text(topicWrite('c', 'orders', { task: 0, discoverTimestamp: 5 }))).toEqual([
      'status-topic-orders:connector-c',
      '{"topic":{"name":"orders","connector":"c","task":0,"discoverTimestamp":5}}',
    ]);
  });

  it("applies KafkaStatusBackingStore's safe-write rule", () => {
    const stored = { status: { state: 'RUNNING' as const, worker_id: 'a' }, generation: 5 };
    expect(canWriteSafely(undefined, 'b', 0)).toBe(true);
    expect(canWriteSafely(stored, 'a', 1)).toBe(true); // the same worker
    expect(canWriteSafely(stored, 'b', 5)).toBe(true); // the same generation
    expect(canWriteSafely(stored, 'b', 6)).toBe(true); // a newer one
    expect(canWriteSafely(stored, 'b', 4)).toBe(false); // a stale worker
  });

  it('folds connector, task and topic records; tombstones remove; a connector without its own status is UNASSIGNED', () => {
    const state = new StatusTopicState();
    state.apply('status-task-my-src-1', { state: 'RUNNING', trace: null, worker_id: 'w', generation: 1 });
    expect(state.record('my-src')).toEqual({
      connector: { state: 'UNASSIGNED', worker_id: '' },
      tasks: { '1': { state: 'RUNNING', worker_id: 'w' } },
      topics: [],
    });
    state.apply('status-connector-my-src', { state: 'FAILED', trace: 'boom', worker_id: 'w', generation: 1 });
    state.apply('status-topic-a:b:connector-my-src', {
      topic: { name: 'a:b', connector: 'my-src', task: 1, discoverTimestamp: 1 },
    });
    expect(state.record('my-src')).toEqual({
      connector: { state: 'FAILED', trace: 'boom', worker_id: 'w' },
      tasks: { '1': { state: 'RUNNING', worker_id: 'w' } },
      topics: ['a:b'],
    });
    state.apply('status-connector-my-src', null);
    state.apply('status-task-my-src-1', null);
    state.apply('status-topic-a:b:connector-my-src', null);
    expect(state.record('my-src')).toBeUndefined();
  });
});

describe('offsets topic keys', () => {
  it("files a partition under its canonical text and writes back in Kafka Connect's spelling", () => {
    expect(canonicalPartition('{"server":"s","db":"d"}')).toBe('{"db":"d","server":"s"}');
    // Anything but a JSON object is opaque to the TopicLog: kept verbatim.
    expect(canonicalPartition('["not","a","map"]')).toBe('["not","a","map"]');
    expect(canonicalPartition('{bad')).toBe('{bad');
    const spellings = new OffsetKeySpellings();
    spellings.remember('c', '{"db":"d","server":"s"}', '{"server":"s","db":"d"}');
    const r = offsetRecord(
      { connector: 'c', partition: '{"db":"d","server":"s"}', offset: '{"lsn":1}' },
      't',
      25,
      spellings,
    );
    expect(dec.decode(r.key!)).toBe('["c",{"server":"s","db":"d"}]');
    const plain = offsetRecord({ connector: 'c', partition: '{"x":1}', offset: null }, 't', 25, spellings);
    expect([dec.decode(plain.key!), plain.value]).toEqual(['["c",{"x":1}]', null]);
  });
});

describe('internal topic worker keys', () => {
  it("has Kafka Connect's defaults (replication factor: the broker's) and passes other <prefix>.* keys to the topic", () => {
    const t = internalTopicsConfig({ 'status.storage.min.insync.replicas': '2' });
    expect(t.offset).toMatchObject({ topic: 'connect-offsets', partitions: 25, replicationFactor: -1 });
    expect(t.config).toMatchObject({ topic: 'connect-configs', partitions: 1, replicationFactor: -1 });
    expect(t.status).toMatchObject({
      topic: 'connect-status',
      partitions: 5,
      replicationFactor: -1,
      config: { 'min.insync.replicas': '2', 'cleanup.policy': 'compact' },
    });
  });

  it('names every bad key at once', () => {
    expect(() =>
      internalTopicsConfig({
        'offset.storage.partitions': '0',
        'status.storage.replication.factor': 'x',
        'config.storage.topic': 'same',
        'status.storage.topic': 'same',
      }),
    ).toThrow(/offset.storage.partitions.*status.storage.replication.factor.*three different topics/);
  });
});
