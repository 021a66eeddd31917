import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  configSpec,
  SchemaBuilder,
  Schemas,
  type SourcePlugin,
  sourceRecord,
} from '../../../src/api/index.ts';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { builtinConverters } from '../../../src/log/converters/index.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { collectSink, eventually, flushed } from '../../helpers/runtime-plugins.ts';

/** Values above 2^53 (LSNs, bigint ids) must survive source → converter → log → converter → sink exactly. */
const BIG_ID = 2n ** 63n - 1n;
const BIG_LSN = 18_446_744_073_709_551_000n; // above int64: carried as a string, as Debezium does
const rowSchema = SchemaBuilder.struct()
  .name('t.Value')
  .field('id', Schemas.INT64)
  .field('lsn', Schemas.STRING)
  .build();
const keySchema = SchemaBuilder.struct().name('t.Key').field('id', Schemas.INT64).build();

const bigSource: SourcePlugin = {
  kind: 'source',
  className: 'test.BigSource',
  aliases: [],
  version: '1',
  configSpec: configSpec(),
  createConnector: () => ({ start: async () => {}, taskConfigs: async () => [{}], stop: async () => {} }),
  createTask: () => {
    let sent = false;
    return {
      start: async () => {},
      poll: async () => {
        if (sent) return new Promise((r) => setTimeout(() => r([]), 20));
        sent = true;
        return [
          sourceRecord({
            topic: 'big',
            keySchema,
            key: { id: BIG_ID },
            valueSchema: rowSchema,
            value: { id: BIG_ID, lsn: BIG_LSN.toString() },
            sourcePartition: { slot: 'x' },
            sourceOffset: { lsn: BIG_LSN.toString(), id: BIG_ID },
          }),
        ];
      },
      stop: async () => {},
    };
  },
};

let herder: StandaloneHerder | undefined;
const dir = mkdtempSync(join(tmpdir(), 'seam-int64-'));
afterEach(async () => {
  await herder?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('int64 precision', () => {
  it('keeps ids above 2^53 exact in values, keys and source offsets', async () => {
    herder = await startStandalone({
      dataDir: dir,
      workerId: 'test:8083',
      workerConfig: { 'offset.flush.interval.ms': '50' },
      registry: new PluginRegistry([bigSource, collectSink, ...builtinConverters()]),
      logger: pino({ level: 'silent' }),
    });
    await herder.putConnectorConfig('src', { 'connector.class': 'test.BigSource' }, { allowReplace: false });
    await herder.putConnectorConfig(
      'dst',
      { 'connector.class': 'test.CollectSink', topics: 'big' },
      { allowReplace: false },
    );
    const [value] = await eventually(() => (flushed.get('dst')?.length ? flushed.get('dst') : undefined));
    expect(value).toEqual({ id: BIG_ID, lsn: BIG_LSN.toString() });
    const offsets = await eventually(async () => {
      const o = await herder!.connectorOffsets('src');
      return o.length ? o : undefined;
    });
    expect(BigInt(String(offsets[0]!.offset!['id']))).toBe(BIG_ID);
    expect(offsets[0]!.offset!['lsn']).toBe(BIG_LSN.toString());
  });
});
