import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SchemaTracker } from '../../../connectors/mysql/history/tracker.ts';
import type { TableMeta } from '../../../connectors/mysql/schema/table-schema.ts';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';
import { openInternalTopic } from '../../../src/runtime/internal-topic.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const meta: TableMeta = {
  db: 'db',
  table: 't',
  columns: [
    {
      name: 'id',
      dataType: 'int',
      columnType: 'int(11)',
      nullable: false,
      precision: 10,
      scale: 0,
      fsp: 0,
      charset: null,
    },
  ],
  keyColumns: ['id'],
  charset: 'utf8mb4',
};

describe('Schema history on the embedded log', () => {
  it('is one partition kept forever, and a reopened log gives the same definitions back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seam-history-'));
    dirs.push(dir);
    const options = (topic: Awaited<ReturnType<typeof openInternalTopic>>) => ({
      topic,
      topicName: 'p-schema-history',
      server: 'p',
      captured: () => true,
      skipUnparseable: false,
      readMeta: async () => null,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const log = await EmbeddedTopicLog.open({ dataDir: dir, maintenanceIntervalMs: 0 });
    try {
      const tracker = await SchemaTracker.open(options(await openInternalTopic(log, 'p-schema-history')));
      await tracker.baseline([meta], { file: 'b.000001', pos: 4 });
      await tracker.ddl('db', 'ALTER TABLE t ADD COLUMN v VARCHAR(5)', { file: 'b.000001', pos: 500 });
      const described = await log.describeTopic('p-schema-history');
      expect(described).toMatchObject({ partitions: 1 });
      expect(described?.config).toMatchObject({ 'retention.ms': '-1', 'cleanup.policy': 'delete' });
    } finally {
      await log.close();
    }
    const reopened = await EmbeddedTopicLog.open({ dataDir: dir, maintenanceIntervalMs: 0 });
    try {
      const tracker = await SchemaTracker.open(
        options(await openInternalTopic(reopened, 'p-schema-history')),
      );
      expect(tracker.state).toBe('ok');
      expect(tracker.at('db', 't', { file: 'b.000001', pos: 100 })?.columns.map((c) => c.name)).toEqual([
        'id',
      ]);
      expect(tracker.at('db', 't', { file: 'b.000002', pos: 4 })?.columns.map((c) => c.name)).toEqual([
        'id',
        'v',
      ]);
    } finally {
      await reopened.close();
    }
  });
});
