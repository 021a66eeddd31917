import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError } from '../../../src/api/index.ts';
import { DeadLetters } from '../../../src/herder/dead-letters.ts';
import { markerTopic } from '../../../src/herder/dead-letters-markers.ts';
import { parseSelection } from '../../../src/herder/dead-letters-view.ts';
import type { HerderCoreOptions } from '../../../src/herder/herder-core.ts';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { createLogging } from '../../../src/instrumentation/logger.ts';
import { ConnectMetrics } from '../../../src/instrumentation/metrics.ts';
import type { TopicLog } from '../../../src/log/topic-log.ts';
import { createRestApp } from '../../../src/rest/app.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { eventually, flushed, hooks, testRegistry } from '../../helpers/runtime-plugins.ts';

/**
 * `/connectors/{name}/dead-letters` over the real StandaloneHerder and embedded log: a sink whose
 * transform rejects every 5th record dead-letters them; GET shows them; the user fixes the transform's
 * config and redrives; the sink then holds every record and the count is 0.
 */
let dir: string;
let herder: StandaloneHerder;
let app: FastifyInstance;

const SECRET = 'sup3r-secret-pw-42';

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seam-dlq-'));
  hooks.clear();
  flushed.clear();
  const { logger, levels } = createLogging({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const metrics = new ConnectMetrics();
  herder = await startStandalone({
    dataDir: dir,
    workerId: 'test:8083',
    workerConfig: { 'offset.flush.interval.ms': '50', 'task.shutdown.graceful.timeout.ms': '500' },
    registry: testRegistry(),
    logger,
    metrics,
  });
  app = await createRestApp({ herder, levels, metrics });
});

afterEach(async () => {
  await app.close();
  await herder.stop();
  rmSync(dir, { recursive: true, force: true });
});

const put = (name: string, config: Record<string, string>) =>
  app.inject({ method: 'PUT', url: `/connectors/${name}/config`, payload: config });
const get = (name: string, query = '') => app.inject({ url: `/connectors/${name}/dead-letters${query}` });
const redrive = (name: string, body: unknown) =>
  app.inject({ method: 'POST', url: `/connectors/${name}/dead-letters/redrive`, payload: body as object });

const dlqKeys = {
  'errors.tolerance': 'all',
  'errors.deadletterqueue.topic.name': 'seq-dlq',
  'errors.deadletterqueue.context.headers.enable': 'true',
};

/** The broken config rejects every 5th record; the fixed one no longer has the transform. */
const sinkConfig = (state: 'broken' | 'fixed') => ({
  'connector.class': 'test.CollectSink',
  topics: 'seq',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter.schemas.enable': 'false',
  ...(state === 'broken'
    ? { transforms: 'r', 'transforms.r.type': 'test.Reject', 'transforms.r.modulo': '5' }
    : {}),
  ...dlqKeys,
});

/** 20 records {seq: n} in topic `seq`; a sink that rejects seq % 5 == 0 (4 dead letters). */
async function pipeline(): Promise<void> {
  const source = {
    'connector.class': 'test.SeqSource',
    topic: 'seq',
    count: '20',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
  };
  expect((await put('src', source)).statusCode).toBe(201);
  expect((await put('dst', sinkConfig('broken'))).statusCode).toBe(201);
  await eventually(() => (flushed.get('dst')?.length ?? 0) === 16);
  await eventually(async () => (await get('dst')).json().count === 4);
}

const seqs = (values: unknown[] | undefined) =>
  (values ?? []).map((v) => (v as { seq: number }).seq).sort((a, b) => a - b);

describe('dead letters over REST', () => {
  it('lists count, oldest/newest, reasons grouped and a page of records with their error headers', async () => {
    await pipeline();
    const body = (await get('dst')).json();
    expect(body).toMatchObject({ connector: 'dst', type: 'sink', topic: 'seq-dlq', count: 4, redriven: 0 });
    expect(body.redrive).toEqual({ supported: true });
    expect(body.oldest).toMatchObject({ partition: 0, offset: 0 });
    expect(body.newest).toMatchObject({ partition: 0, offset: 3 });
    expect(Date.parse(body.oldest.timestamp)).not.toBeNaN();
    expect(body.reasons).toEqual([
      {
        exception_class: 'DataError',
        pattern: 'seq N rejected',
        stage: 'TRANSFORMATION',
        count: 4,
        example: 'seq 0 rejected',
      },
    ]);
    expect(body.records).toHaveLength(4);
    expect(body.records[1]).toMatchObject({
      partition: 0,
      offset: 1,
      redriven: false,
      original: { topic: 'seq', partition: '0', offset: '5' },
      key: { text: '{"schema":null,"payload":"k5"}' },
      value: { text: '{"seq":5}' },
    });
    expect(body.records[1].error_headers['__connect.errors.exception.message']).toBe('seq 5 rejected');
    expect(body.records[1].error_headers['__connect.errors.connector.name']).toBe('dst');
    expect(body.next).toBeNull();

    const page = (await get('dst', '?limit=2')).json();
    expect(page.records.map((r: { offset: number }) => r.offset)).toEqual([0, 1]);
    expect(page.next).toEqual({ partition: 0, offset: 2 });
    const rest = (await get('dst', '?partition=0&offset=2&limit=2')).json();
    expect(rest.records.map((r: { offset: number }) => r.offset)).toEqual([2, 3]);
    expect(rest.next).toBeNull();
    expect(rest.count).toBe(4);
  });

  it('answers 404 for an unknown connector and 400 without a dead-letter topic or for a bad query or body', async () => {
    expect((await get('nope')).statusCode).toBe(404);
    expect((await redrive('nope', { all: true })).statusCode).toBe(404);
    const plain = { 'connector.class': 'test.CollectSink', topics: 'seq' };
    expect((await put('plain', plain)).statusCode).toBe(201);
    const none = await get('plain');
    expect(none.statusCode).toBe(400);
    expect(none.json()).toMatchObject({ error_code: 400, code: 'seam.rest.bad_request' });
    expect(none.json().message).toContain('errors.deadletterqueue.topic.name');
    expect((await redrive('plain', { all: true })).statusCode).toBe(400);

    expect((await put('dst', sinkConfig('broken'))).statusCode).toBe(201);
    expect((await get('dst', '?limit=x')).statusCode).toBe(400);
    expect((await get('dst', '?limit=5000')).statusCode).toBe(400);
    const bare = await redrive('dst', undefined);
    expect(bare.statusCode).toBe(400);
    expect(bare.json().message).toContain('"all": true');
    expect((await redrive('dst', {})).statusCode).toBe(400);
    expect((await redrive('dst', { reason_regex: '(' })).json().message).toContain('reason_regex');
    expect((await redrive('dst', { al: true })).json().message).toContain('Unknown redrive field(s) al');
    expect((await redrive('dst', { from_offset: 5, to_offset: 2 })).statusCode).toBe(400);
    expect((await redrive('dst', { all: true, limit: 0 })).statusCode).toBe(400);
  });

  it('redrives after the fix: failures go back with the new reason, fixed ones reach the sink and leave the count', async () => {
    await pipeline();
    const dry = (await redrive('dst', { all: true, dry_run: true })).json();
    expect(dry).toMatchObject({ dry_run: true, selected: 4, redriven: 0, failed_again: 0, remaining: 4 });
    expect((await get('dst')).json().count).toBe(4);

    // Not fixed yet: the record fails again and goes back with its (same) reason; the count stays 4.
    const again = await redrive('dst', { reason: 'SEQ 5 rejected' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ selected: 1, redriven: 0, failed_again: 1, remaining: 0 });
    expect(again.json().failures).toEqual([
      { partition: 0, offset: 1, exception_class: 'DataError', message: 'seq 5 rejected' },
    ]);
    const after = (await get('dst', '?include_redriven=true')).json();
    expect(after).toMatchObject({ count: 4, redriven: 1 });
    expect(after.records.map((r: { offset: number; redriven: boolean }) => [r.offset, r.redriven])).toEqual([
      [0, false],
      [1, true],
      [2, false],
      [3, false],
      [4, false],
    ]);
    expect(after.records[4].original).toMatchObject({ topic: 'seq', offset: '5' });

    // The user fixes the transform's config; an offset range takes two of them.
    expect((await put('dst', sinkConfig('fixed'))).statusCode).toBe(200);
    const range = (await redrive('dst', { from_offset: 2, to_offset: 3 })).json();
    expect(range).toMatchObject({ selected: 2, redriven: 2, failed_again: 0, remaining: 0 });
    expect(seqs(flushed.get('dst')).filter((s) => s % 5 === 0)).toEqual([10, 15]);

    const all = (await redrive('dst', { all: true })).json();
    expect(all).toMatchObject({ selected: 2, redriven: 2, failed_again: 0, remaining: 0, skipped: 0 });
    expect(seqs(flushed.get('dst'))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const done = (await get('dst')).json();
    expect(done).toMatchObject({
      count: 0,
      redriven: 5,
      oldest: null,
      newest: null,
      reasons: [],
      records: [],
    });
    // Nothing is left to redrive: a second call is a no-op.
    expect((await redrive('dst', { all: true })).json()).toMatchObject({ selected: 0, redriven: 0 });
    expect(seqs(flushed.get('dst'))).toHaveLength(20);
  });

  it("loses nothing when it stops between the sink's flush and its marker, and a second redrive is harmless", async () => {
    await pipeline();
    expect((await put('dst', sinkConfig('fixed'))).statusCode).toBe(200);
    const stores = (herder as unknown as { stores: HerderCoreOptions }).stores;
    const record = (await stores.configStore.get('dst'))!;
    // The log refuses the append of markers (a crash at that point): the sink has the records already.
    const crashing = new Proxy(stores.log, {
      get(target, prop, receiver) {
        if (prop !== 'append') return Reflect.get(target, prop, receiver);
        return (records: Parameters<TopicLog['append']>[0]) => {
          if (records.some((r) => r.topic === markerTopic('seq-dlq')))
            throw new Error('crash before the marker');
          return target.append(records);
        };
      },
    });
    const crashed = new DeadLetters({ worker: stores.worker, log: crashing, logger: stores.logger });
    await expect(crashed.redrive('dst', record, parseSelection({ all: true }), 30_000)).rejects.toThrow(
      'crash before the marker',
    );
    expect(seqs(flushed.get('dst')).filter((s) => s % 5 === 0)).toEqual([0, 5, 10, 15]);
    expect((await get('dst')).json()).toMatchObject({ count: 4, redriven: 0 });
    // Redriven again: written twice (an idempotent sink keeps one), then marked.
    expect((await redrive('dst', { all: true })).json()).toMatchObject({ selected: 4, redriven: 4 });
    expect(seqs(flushed.get('dst')).filter((s) => s % 5 === 0)).toEqual([0, 0, 5, 5, 10, 10, 15, 15]);
    expect((await get('dst')).json()).toMatchObject({ count: 0, redriven: 4 });
  });

  it('limits one call to `limit` records and says how many remain', async () => {
    await pipeline();
    expect((await put('dst', sinkConfig('fixed'))).statusCode).toBe(200);
    const first = (await redrive('dst', { all: true, limit: 3 })).json();
    expect(first).toMatchObject({ selected: 4, redriven: 3, remaining: 1 });
    const second = (await redrive('dst', { all: true, limit: 3 })).json();
    expect(second).toMatchObject({ selected: 1, redriven: 1, remaining: 0 });
  });

  it('scrubs the secrets of the connector config from messages and traces', async () => {
    hooks.set('leaky', {
      beforePut: (records) => {
        if (records.some((r) => (r.value as { seq: number }).seq === 3))
          throw new DataError(`login to db://admin:${SECRET}@host failed with password ${SECRET}`);
      },
    });
    expect(
      (
        await put('src', {
          'connector.class': 'test.SeqSource',
          topic: 'seq',
          count: '5',
          'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
          'value.converter.schemas.enable': 'false',
        })
      ).statusCode,
    ).toBe(201);
    const config = {
      'connector.class': 'test.CollectSink',
      topics: 'seq',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'false',
      'database.password': SECRET,
      ...dlqKeys,
    };
    expect((await put('leaky', config)).statusCode).toBe(201);
    await eventually(async () => (await get('leaky')).json().count === 1);
    const res = await get('leaky');
    expect(res.body).not.toContain(SECRET);
    expect(res.json().reasons[0].example).toContain('[hidden]');
    const again = await redrive('leaky', { all: true });
    expect(again.json()).toMatchObject({ failed_again: 1 });
    expect(again.body).not.toContain(SECRET);
  });

  it('lists a source’s dead letters and refuses their redrive with the reason', async () => {
    const source = {
      'connector.class': 'test.SeqSource',
      topic: 'seq',
      count: '10',
      transforms: 'r',
      'transforms.r.type': 'test.Reject',
      'transforms.r.modulo': '5',
      ...dlqKeys,
    };
    expect((await put('src', source)).statusCode).toBe(201);
    await eventually(async () => (await get('src')).json().count === 2);
    const body = (await get('src')).json();
    expect(body.type).toBe('source');
    expect(body.redrive.supported).toBe(false);
    expect(body.records[0].original).toEqual({
      topic: 'seq',
      partition: '{"source":"seq"}',
      offset: '{"seq":0}',
    });
    const res = await redrive('src', { all: true });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('a source re-reads from its database');
  });

  it('refuses a redrive without context headers, naming the key to set', async () => {
    expect(
      (
        await put('dst', {
          ...sinkConfig('broken'),
          'errors.deadletterqueue.context.headers.enable': 'false',
        })
      ).statusCode,
    ).toBe(201);
    const res = await redrive('dst', { all: true });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('errors.deadletterqueue.context.headers.enable=true');
  });
});
