import { describe, expect, it } from 'vitest';
import { ConnectMetrics } from '../../../src/instrumentation/metrics.ts';
import type { RuntimeMetrics } from '../../../src/runtime/runtime-metrics.ts';

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('ConnectMetrics', () => {
  it('exports the Kafka Connect groups with connector/task labels', async () => {
    const m = new ConnectMetrics();
    const src = m.sourceTask('pg', 0);
    src.recordPoll(10, 4);
    src.recordPoll(30, 8);
    src.recordWrite(35);
    src.recordActiveCount(5);
    src.recordOffsetCommit(true, 2);
    src.recordOffsetCommit(false, 6);
    const sink = m.sinkTask('es', 1);
    sink.recordRead(7);
    sink.recordSend(6, 3);
    sink.recordLag(100);
    sink.recordLag(40);
    sink.recordOffsetCommit(true, 1);
    const errors = m.taskErrors('es', 1);
    errors.recordFailure();
    errors.recordRetry();
    errors.recordError();
    errors.recordDeadLetterProduce(false);
    m.connectorStatus('pg', 'RUNNING', 'source', 'io.seam.connectors.postgres.PostgresSource', '0.1.0');
    m.taskStatus('pg', 0, 'RUNNING');
    m.taskStatus('pg', 0, 'FAILED');
    m.connectorStartup(true);
    m.connectorStartup(false);

    const text = await m.text();
    const t = '{connector="pg",task="0"}';
    expect(value(text, `kafka_connect_source_task_metrics_source_record_poll_total${t}`)).toBe(40);
    expect(value(text, `kafka_connect_source_task_metrics_source_record_write_total${t}`)).toBe(35);
    expect(value(text, `kafka_connect_source_task_metrics_poll_batch_avg_time_ms${t}`)).toBe(6);
    expect(value(text, `kafka_connect_source_task_metrics_poll_batch_max_time_ms${t}`)).toBe(8);
    expect(value(text, `kafka_connect_source_task_metrics_source_record_active_count${t}`)).toBe(5);
    expect(value(text, `kafka_connect_connector_task_metrics_batch_size_avg${t}`)).toBe(20);
    expect(value(text, `kafka_connect_connector_task_metrics_offset_commit_success_percentage${t}`)).toBe(
      0.5,
    );
    expect(value(text, `kafka_connect_connector_task_metrics_offset_commit_max_time_ms${t}`)).toBe(6);
    expect(
      value(text, 'kafka_connect_connector_task_metrics_status{connector="pg",task="0",status="failed"}'),
    ).toBe(1);
    expect(text).not.toContain('task="0",status="running"');
    expect(value(text, 'kafka_connect_connector_metrics_status{connector="pg",status="running"}')).toBe(1);
    const s = '{connector="es",task="1"}';
    expect(value(text, `kafka_connect_sink_task_metrics_sink_record_read_total${s}`)).toBe(7);
    expect(value(text, `kafka_connect_sink_task_metrics_sink_record_lag_max${s}`)).toBe(100);
    expect(value(text, `kafka_connect_sink_task_metrics_offset_commit_seq_no${s}`)).toBe(1);
    expect(value(text, `kafka_connect_task_error_metrics_total_record_errors${s}`)).toBe(1);
    expect(value(text, `kafka_connect_task_error_metrics_deadletterqueue_produce_failures${s}`)).toBe(1);
    expect(value(text, 'kafka_connect_connect_worker_metrics_task_count')).toBe(2);
    // es has tasks but no connector status yet: still counted.
    expect(value(text, 'kafka_connect_connect_worker_metrics_connector_count')).toBe(2);
    expect(value(text, 'kafka_connect_connect_worker_metrics_connector_startup_failure_percentage')).toBe(
      0.5,
    );
    expect(
      value(text, 'kafka_connect_connect_worker_metrics_connector_failed_task_count{connector="pg"}'),
    ).toBe(1);
  });

  it('implements the runtime metrics port', () => {
    const port: RuntimeMetrics = new ConnectMetrics();
    port.sourceTask('x', 0).recordStatus('RUNNING');
    expect(port).toBeInstanceOf(ConnectMetrics);
  });

  it('returns the same handle for a task and removes every series of a removed connector', async () => {
    const m = new ConnectMetrics();
    expect(m.sourceTask('a', 0)).toBe(m.sourceTask('a', 0));
    m.sourceTask('a', 0).recordPoll(1, 1);
    m.taskStatus('a', 0, 'RUNNING');
    m.connectorStatus('a', 'RUNNING', 'source', 'X');
    m.sourceTask('b', 0).recordPoll(2, 1);
    m.removeConnector('a');
    const text = await m.text();
    expect(text).not.toContain('connector="a"');
    expect(text).toContain('connector="b"');
  });
});
