import { type MetricTable, TASK_LABELS, type TaskSeries } from './metric-table.ts';

/**
 * The metric groups of Kafka Connect's ConnectMetricsRegistry (reference §3.8), defined on a table.
 * Names and help texts only; ConnectMetrics feeds them.
 */
export interface GroupState {
  readonly connectors: ReadonlyMap<string, unknown>;
  tasks(): Iterable<TaskSeries>;
}

export function defineMetricGroups(t: MetricTable, state: GroupState): void {
  defineConnectorGroups(t);
  defineSourceGroup(t);
  defineSinkGroup(t);
  defineErrorGroup(t);
  defineWorkerGroup(t, state);
}

function defineConnectorGroups(t: MetricTable): void {
  t.defGauge('connector_metrics_status', 'Connector status as a label (value 1).', ['connector', 'status']);
  t.defGauge('connector_metrics_info', 'Connector type, class and version as labels (value 1).', [
    'connector',
    'connector_type',
    'connector_class',
    'connector_version',
  ]);
  const base = (e: TaskSeries) => e.base;
  t.defGauge('connector_task_metrics_status', 'Task status as a label (value 1).', [
    ...TASK_LABELS,
    'status',
  ]);
  t.defWindowed(
    'connector_task_metrics_running_ratio',
    'Fraction of time the task has spent RUNNING.',
    base,
    (b, now) => b.runningRatio(now),
  );
  t.defWindowed(
    'connector_task_metrics_pause_ratio',
    'Fraction of time the task has spent PAUSED.',
    base,
    (b, now) => b.pauseRatio(now),
  );
  t.defStats(
    'connector_task_metrics_offset_commit',
    '_time_ms',
    'Offset commit time in ms',
    base,
    (b) => b.offsetCommitTime,
  );
  t.defWindowed(
    'connector_task_metrics_offset_commit_success_percentage',
    'Fraction of offset commits that succeeded.',
    base,
    (b, now) => b.offsetCommitSuccess.avg(now),
  );
  t.defWindowed(
    'connector_task_metrics_offset_commit_failure_percentage',
    'Fraction of offset commits that failed.',
    base,
    (b, now) => {
      const ok = b.offsetCommitSuccess.avg(now);
      return Number.isNaN(ok) ? ok : 1 - ok;
    },
  );
  t.defStats('connector_task_metrics_batch_size', '', 'Records per batch', base, (b) => b.batchSize);
}

function defineSourceGroup(t: MetricTable): void {
  const src = (e: TaskSeries) => e.source;
  t.defCounter('source_task_metrics_source_record_poll_total', 'Records produced or polled by the task.');
  t.defCounter(
    'source_task_metrics_source_record_write_total',
    'Records written to the topic log after transforms.',
  );
  t.defStats(
    'source_task_metrics_poll_batch',
    '_time_ms',
    'Time to poll a batch, in ms',
    src,
    (h) => h.pollBatch,
  );
  t.defGauge(
    'source_task_metrics_source_record_active_count',
    'Records polled but not yet durable in the log.',
  );
  t.defWindowed(
    'source_task_metrics_source_record_active_count_max',
    'Max in-flight records over the window.',
    src,
    (h, now) => h.active.max(now),
  );
  t.defWindowed(
    'source_task_metrics_source_record_active_count_avg',
    'Average in-flight records over the window.',
    src,
    (h, now) => h.active.avg(now),
  );
  t.defWindowed(
    'source_task_metrics_transaction_size_min',
    'Smallest transaction (records) over the window.',
    src,
    (h, now) => h.transaction.min(now),
  );
  t.defWindowed(
    'source_task_metrics_transaction_size_max',
    'Largest transaction (records) over the window.',
    src,
    (h, now) => h.transaction.max(now),
  );
  t.defWindowed(
    'source_task_metrics_transaction_size_avg',
    'Average transaction (records) over the window.',
    src,
    (h, now) => h.transaction.avg(now),
  );
}

function defineSinkGroup(t: MetricTable): void {
  const sink = (e: TaskSeries) => e.sink;
  t.defCounter('sink_task_metrics_sink_record_read_total', 'Records read from the log by the task.');
  t.defCounter('sink_task_metrics_sink_record_send_total', 'Records passed to put() after transforms.');
  t.defCounter('sink_task_metrics_offset_commit_completion_total', 'Offset commits that completed.');
  t.defCounter(
    'sink_task_metrics_offset_commit_skip_total',
    'Offset commits skipped because one was in progress.',
  );
  t.defGauge('sink_task_metrics_partition_count', 'Topic partitions assigned to the task.');
  t.defGauge('sink_task_metrics_offset_commit_seq_no', 'Sequence number of the last offset commit.');
  t.defGauge('sink_task_metrics_sink_record_active_count', 'Records read but not yet committed.');
  t.defWindowed(
    'sink_task_metrics_sink_record_active_count_max',
    'Max uncommitted records over the window.',
    sink,
    (h, now) => h.active.max(now),
  );
  t.defWindowed(
    'sink_task_metrics_sink_record_active_count_avg',
    'Average uncommitted records over the window.',
    sink,
    (h, now) => h.active.avg(now),
  );
  t.defWindowed(
    'sink_task_metrics_sink_record_lag_max',
    'Max lag behind the log end over the window.',
    sink,
    (h, now) => h.lag.max(now),
  );
  t.defStats(
    'sink_task_metrics_put_batch',
    '_time_ms',
    'Time to put a batch, in ms',
    sink,
    (h) => h.putBatch,
  );
}

function defineErrorGroup(t: MetricTable): void {
  t.defCounter(
    'task_error_metrics_total_record_failures',
    'Failed attempts to process a record (before retries).',
  );
  t.defCounter('task_error_metrics_total_record_errors', 'Records that failed after retries.');
  t.defCounter('task_error_metrics_total_records_skipped', 'Records skipped under errors.tolerance=all.');
  t.defCounter('task_error_metrics_total_retries', 'Retried operations.');
  t.defCounter('task_error_metrics_total_errors_logged', 'Errors written to the log.');
  t.defCounter('task_error_metrics_deadletterqueue_produce_requests', 'Dead-letter queue writes attempted.');
  t.defCounter(
    'task_error_metrics_deadletterqueue_produce_failures',
    'Dead-letter queue writes that failed.',
  );
  t.defGauge('task_error_metrics_last_error_timestamp', 'ms since epoch of the last record error.');
}

function defineWorkerGroup(t: MetricTable, state: GroupState): void {
  t.defGauge('connect_worker_metrics_connector_count', 'Connectors on this worker.', [], (g) =>
    g.set(connectorNames(state).size),
  );
  t.defGauge('connect_worker_metrics_task_count', 'Tasks on this worker.', [], (g) =>
    g.set([...state.tasks()].length),
  );
  for (const what of ['connector', 'task']) {
    for (const outcome of ['attempts', 'success', 'failure']) {
      t.defCounter(
        `connect_worker_metrics_${what}_startup_${outcome}_total`,
        `${what} startups (${outcome}).`,
        [],
      );
    }
    for (const outcome of ['success', 'failure']) {
      t.defGauge(
        `connect_worker_metrics_${what}_startup_${outcome}_percentage`,
        `Fraction of ${what} startups that ended in ${outcome}.`,
        [],
        async (g) => {
          const attempts =
            (await t.counter(`connect_worker_metrics_${what}_startup_attempts_total`).get()).values[0]
              ?.value ?? 0;
          const n =
            (await t.counter(`connect_worker_metrics_${what}_startup_${outcome}_total`).get()).values[0]
              ?.value ?? 0;
          g.set(attempts === 0 ? 0 : n / attempts);
        },
      );
    }
  }
  for (const which of ['total', 'running', 'paused', 'failed', 'unassigned', 'restarting', 'stopped']) {
    t.defGauge(
      `connect_worker_metrics_connector_${which}_task_count`,
      `Tasks of the connector (${which}).`,
      ['connector'],
      (g) => {
        g.reset();
        const counts = new Map<string, number>();
        for (const c of connectorNames(state)) counts.set(c, 0);
        for (const e of state.tasks()) {
          if (which === 'total' || e.base.state.toLowerCase() === which) {
            counts.set(e.base.connector, (counts.get(e.base.connector) ?? 0) + 1);
          }
        }
        for (const [connector, n] of counts) g.set({ connector }, n);
      },
    );
  }
}

/** Connectors known by status or by a task: the runtime may report tasks of a connector before its status. */
function connectorNames(state: GroupState): Set<string> {
  const names = new Set(state.connectors.keys());
  for (const e of state.tasks()) names.add(e.base.connector);
  return names;
}
