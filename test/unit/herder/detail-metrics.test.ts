import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { configSpec, type SourcePlugin } from '../../../src/api/index.ts';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { ConnectMetrics } from '../../../src/instrumentation/metrics.ts';
import { builtinConverters } from '../../../src/log/converters/index.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { eventually } from '../../helpers/runtime-plugins.ts';

/** A source that only reports details, as the PostgreSQL source reports slot lag and snapshot progress. */
const reportingSource: SourcePlugin = {
  kind: 'source',
  className: 'test.Reporting',
  aliases: [],
  version: '1',
  configSpec: configSpec(),
  createConnector: () => ({ start: async () => {}, taskConfigs: async () => [{}], stop: async () => {} }),
  createTask: () => ({
    start: async (_c, ctx) => {
      ctx.status.setDetail('slot_lag_bytes', 1234);
      ctx.status.setDetail('snapshot', { rows: 5, tables: 2, phase: 'copying' });
    },
    poll: () => new Promise((r) => setTimeout(() => r([]), 20)),
    stop: async () => {},
  }),
};

const dir = mkdtempSync(join(tmpdir(), 'seam-detail-'));
let herder: StandaloneHerder | undefined;
afterEach(async () => {
  await herder?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('task details', () => {
  it('appear in the status and, when numeric, as seam_task_detail metrics, beside connector status and startup counts', async () => {
    const metrics = new ConnectMetrics();
    herder = await startStandalone({
      dataDir: dir,
      workerId: 'test:8083',
      workerConfig: {},
      registry: new PluginRegistry([reportingSource, ...builtinConverters()]),
      logger: pino({ level: 'silent' }),
      metrics,
    });
    await herder.putConnectorConfig('rep', { 'connector.class': 'test.Reporting' }, { allowReplace: false });
    const status = await eventually(async () => {
      const s = await herder!.connectorStatus('rep');
      return s.tasks[0]?.details?.['snapshot'] ? s : undefined;
    });
    expect(status.tasks[0]!.details).toEqual({
      slot_lag_bytes: 1234,
      snapshot: { rows: 5, tables: 2, phase: 'copying' },
    });
    const text = await metrics.text();
    expect(text).toContain('seam_task_detail{connector="rep",task="0",detail="slot_lag_bytes"} 1234');
    expect(text).toContain('seam_task_detail{connector="rep",task="0",detail="snapshot_rows"} 5');
    expect(text).not.toContain('snapshot_phase');
    expect(text).toContain('kafka_connect_connector_metrics_status{connector="rep",status="running"} 1');
    expect(text).toMatch(/kafka_connect_connect_worker_metrics_connector_startup_success_total 1\b/);
    expect(text).toMatch(/kafka_connect_connect_worker_metrics_task_startup_success_total 1\b/);
    await herder.deleteConnector('rep');
    const after = await metrics.text();
    expect(after).not.toContain('connector="rep",task="0",detail=');
    expect(after).not.toContain('kafka_connect_connector_metrics_status{connector="rep"');
  });
});
