import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';
import { ERROR_HEADERS } from '../../../src/runtime/dead-letter.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { eventually, flushed, hooks, testRegistry } from '../../helpers/runtime-plugins.ts';

// The source runner converts on a synchronous fast path and falls back to per-stage conversion when a
// converter throws: the failure must still be tolerated and dead-lettered as its own stage.

let dir: string;
let herder: StandaloneHerder | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seam-source-convert-'));
  hooks.clear();
  flushed.clear();
});

afterEach(async () => {
  await herder?.stop();
  herder = null;
  rmSync(dir, { recursive: true, force: true });
});

it('dead-letters source records the value converter rejects and keeps the rest flowing', async () => {
  herder = await startStandalone({
    dataDir: dir,
    workerId: 'test:8083',
    workerConfig: { 'offset.flush.interval.ms': '50', 'task.shutdown.graceful.timeout.ms': '500' },
    registry: testRegistry(),
    logger: pino({ level: 'silent' }),
  });
  await herder.putConnectorConfig(
    'src',
    {
      'connector.class': 'test.SeqSource',
      topic: 't',
      count: '6',
      batch: '3',
      // SeqSource values are schemaless objects: the byte-array converter refuses them.
      'value.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
      'errors.tolerance': 'all',
      'errors.deadletterqueue.topic.name': 'dlq',
      'errors.deadletterqueue.context.headers.enable': 'true',
    },
    { allowReplace: false },
  );
  const h = herder;
  await eventually(async () => (await h.connectorOffsets('src'))[0]?.offset?.['seq'] === 5);
  await h.stop();
  herder = null;
  const log = await EmbeddedTopicLog.open({ dataDir: dir });
  try {
    expect(await log.read('t', 0, 0, 100)).toHaveLength(0);
    const dead = await log.read('dlq', 0, 0, 100);
    expect(dead).toHaveLength(6);
    const headers = Object.fromEntries(
      dead[0]!.headers.map((x) => [x.key, new TextDecoder().decode(x.value!)]),
    );
    expect(headers[ERROR_HEADERS.stage]).toBe('VALUE_CONVERTER');
    expect(headers[ERROR_HEADERS.offset]).toBe('{"seq":0}');
  } finally {
    await log.close();
  }
});
