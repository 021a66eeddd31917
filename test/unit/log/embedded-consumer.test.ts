import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { TopicPartition } from '../../../src/api/record.ts';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';

let dir: string;
let log: EmbeddedTopicLog;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seam-consumer-'));
  log = await EmbeddedTopicLog.open({ dataDir: dir, maintenanceIntervalMs: 0 });
});

afterEach(async () => {
  await log.close();
  await rm(dir, { recursive: true, force: true });
});

const value = new TextEncoder().encode('v');

it('revokes the partitions of a deleted topic at once and drops the offsets committed for them', async () => {
  await log.append([{ topic: 't', partition: null, key: null, value, headers: [], timestamp: null }]);
  const revoked: TopicPartition[] = [];
  const consumer = log.consumer({
    group: 'g',
    subscription: { topics: ['t'] },
    listener: {
      onPartitionsAssigned: () => {},
      onPartitionsRevoked: async (tps) => {
        revoked.push(...tps);
        await consumer.commit(tps.map((tp) => ({ ...tp, offset: 1 })));
      },
    },
  });
  expect(await consumer.poll(10, 1000)).toHaveLength(1);
  await log.deleteTopic('t');
  expect(await consumer.poll(10, 0)).toEqual([]);
  expect(revoked).toEqual([{ topic: 't', partition: 0 }]);
  expect(consumer.assignment()).toEqual([]);
  expect((await log.committedOffsets('g')).size).toBe(0);
  await consumer.close();
});

it('wakes a waiting poll when the log closes, and refuses calls after close', async () => {
  const consumer = log.consumer({
    group: 'g',
    subscription: { pattern: /nothing-yet/ },
    listener: { onPartitionsAssigned: () => {}, onPartitionsRevoked: () => {} },
  });
  const began = Date.now();
  const pending = consumer.poll(10, 60_000);
  await new Promise((r) => setTimeout(r, 20));
  await log.close();
  expect(await pending).toEqual([]);
  expect(Date.now() - began).toBeLessThan(5000);
  expect(() => consumer.assignment()).toThrow(/closed/);
});
