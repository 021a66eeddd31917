import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { defineMetricGroups } from './metric-groups.ts';
import { MetricTable, type TaskSeries } from './metric-table.ts';
import {
  ConnectorTaskMetrics,
  type ErrorCounter,
  type SinkCounter,
  type SinkGauge,
  SinkTaskMetrics,
  type SourceCounter,
  type SourceGauge,
  SourceTaskMetrics,
  TaskErrorMetrics,
  type TaskState,
} from './task-metrics.ts';

export { SinkTaskMetrics, SourceTaskMetrics, TaskErrorMetrics, type TaskState };

/**
 * Kafka Connect's metric groups (ConnectMetricsRegistry) as Prometheus metrics. Naming is the mechanical
 * JMX translation `kafka.connect:type=<group>,connector=C,task=T` attribute `a-b-c` →
 * `kafka_connect_<group>_a_b_c{connector="C",task="T"}` (docs/decisions/2026-11-23-metric-names.md), so
 * dashboards built on a JMX exporter for Kafka Connect need only a scrape target change.
 * String-valued JMX attributes (status, connector-class, …) become labels on a gauge of value 1.
 * Windowed avg/max values are computed at scrape time from fixed two-window samples.
 */

interface TaskEntry extends TaskSeries {
  source?: SourceTaskMetrics | undefined;
  sink?: SinkTaskMetrics | undefined;
  errors?: TaskErrorMetrics;
  statusLabel?: string;
}

interface ConnectorEntry {
  status?: string;
  info?: Record<string, string>;
}

export interface ConnectMetricsOptions {
  /** Sample window for avg/max metrics (Kafka `metrics.sample.window.ms`); default 30 s. */
  readonly windowMs?: number;
  /** Also export Node process metrics (heap, event-loop lag, GC); default false. */
  readonly processMetrics?: boolean;
}

export class ConnectMetrics {
  readonly registry: Registry;
  readonly #windowMs: number;
  readonly #tasks = new Map<string, TaskEntry>();
  readonly #connectors = new Map<string, ConnectorEntry>();
  readonly #table: MetricTable;
  #details: Gauge<string> | undefined;
  readonly #detailNames = new Map<string, Set<string>>();

  constructor(registry: Registry = new Registry(), options: ConnectMetricsOptions = {}) {
    this.registry = registry;
    this.#windowMs = options.windowMs ?? 30_000;
    if (options.processMetrics) collectDefaultMetrics({ register: registry });
    this.#table = new MetricTable(registry, () => this.#tasks.values());
    defineMetricGroups(this.#table, { connectors: this.#connectors, tasks: () => this.#tasks.values() });
  }

  /** Prometheus text exposition of everything registered. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  sourceTask(connector: string, task: number): SourceTaskMetrics {
    const e = this.#task(connector, task);
    e.source ??= new SourceTaskMetrics(
      e.base,
      this.#table.boundCounters<SourceCounter>(e.labels, {
        poll: 'source_task_metrics_source_record_poll_total',
        write: 'source_task_metrics_source_record_write_total',
      }),
      this.#table.boundGauges<SourceGauge>(e.labels, {
        active: 'source_task_metrics_source_record_active_count',
      }),
      this.#windowMs,
    );
    return e.source;
  }

  sinkTask(connector: string, task: number): SinkTaskMetrics {
    const e = this.#task(connector, task);
    e.sink ??= new SinkTaskMetrics(
      e.base,
      this.#table.boundCounters<SinkCounter>(e.labels, {
        read: 'sink_task_metrics_sink_record_read_total',
        send: 'sink_task_metrics_sink_record_send_total',
        commitCompletion: 'sink_task_metrics_offset_commit_completion_total',
        commitSkip: 'sink_task_metrics_offset_commit_skip_total',
      }),
      this.#table.boundGauges<SinkGauge>(e.labels, {
        active: 'sink_task_metrics_sink_record_active_count',
        partitions: 'sink_task_metrics_partition_count',
        commitSeqNo: 'sink_task_metrics_offset_commit_seq_no',
      }),
      this.#windowMs,
    );
    return e.sink;
  }

  taskErrors(connector: string, task: number): TaskErrorMetrics {
    const e = this.#task(connector, task);
    e.errors ??= new TaskErrorMetrics(
      this.#table.boundCounters<ErrorCounter>(e.labels, {
        failures: 'task_error_metrics_total_record_failures',
        errors: 'task_error_metrics_total_record_errors',
        skipped: 'task_error_metrics_total_records_skipped',
        retries: 'task_error_metrics_total_retries',
        logged: 'task_error_metrics_total_errors_logged',
        dlqRequests: 'task_error_metrics_deadletterqueue_produce_requests',
        dlqFailures: 'task_error_metrics_deadletterqueue_produce_failures',
      }),
      this.#table.gauge('task_error_metrics_last_error_timestamp').labels(e.labels),
    );
    return e.errors;
  }

  /** connector-metrics: status, connector-type, connector-class, connector-version. */
  connectorStatus(
    connector: string,
    state: string,
    type: string,
    className: string,
    version = 'unknown',
  ): void {
    const entry = this.#connectors.get(connector) ?? {};
    this.#connectors.set(connector, entry);
    const status = state.toLowerCase();
    const statusGauge = this.#table.gauge('connector_metrics_status');
    if (entry.status !== undefined && entry.status !== status)
      statusGauge.remove({ connector, status: entry.status });
    statusGauge.set({ connector, status }, 1);
    entry.status = status;
    const info = { connector, connector_type: type, connector_class: className, connector_version: version };
    const infoGauge = this.#table.gauge('connector_metrics_info');
    if (entry.info) infoGauge.remove(entry.info);
    infoGauge.set(info, 1);
    entry.info = info;
  }

  /** connector-task-metrics status, plus the time-in-state behind running-ratio / pause-ratio. */
  taskStatus(connector: string, task: number, state: TaskState): void {
    this.#task(connector, task).base.setState(state);
  }

  #publishStatus(e: TaskEntry, state: TaskState): void {
    const status = state.toLowerCase();
    const g = this.#table.gauge('connector_task_metrics_status');
    if (e.statusLabel !== undefined && e.statusLabel !== status)
      g.remove({ ...e.labels, status: e.statusLabel });
    g.set({ ...e.labels, status }, 1);
    e.statusLabel = status;
  }

  /** connect-worker-metrics startup counters. */
  connectorStartup(success: boolean): void {
    this.#table.counter('connect_worker_metrics_connector_startup_attempts_total').inc();
    this.#table
      .counter(`connect_worker_metrics_connector_startup_${success ? 'success' : 'failure'}_total`)
      .inc();
  }

  taskStartup(success: boolean): void {
    this.#table.counter('connect_worker_metrics_task_startup_attempts_total').inc();
    this.#table.counter(`connect_worker_metrics_task_startup_${success ? 'success' : 'failure'}_total`).inc();
  }

  /**
   * A numeric detail a task reports about itself (replication-slot lag, snapshot rows, …), exported as
   * `seam_task_detail{connector,task,detail}` so it can be alerted on, not only read in the status.
   */
  taskDetail(connector: string, task: number, detail: string, value: number): void {
    this.#details ??= new Gauge({
      name: 'seam_task_detail',
      help: 'Numeric details reported by a task (e.g. slot_lag_bytes, snapshot_rows)',
      labelNames: ['connector', 'task', 'detail'],
      registers: [this.registry],
    });
    this.#details.set({ connector, task: String(task), detail }, value);
    const key = taskKey(connector, task);
    let names = this.#detailNames.get(key);
    if (!names) {
      names = new Set();
      this.#detailNames.set(key, names);
    }
    names.add(detail);
  }

  removeTask(connector: string, task: number): void {
    const key = taskKey(connector, task);
    for (const detail of this.#detailNames.get(key) ?? [])
      this.#details?.remove({ connector, task: String(task), detail });
    this.#detailNames.delete(key);
    const e = this.#tasks.get(key);
    if (!e) return;
    this.#tasks.delete(key);
    if (e.statusLabel !== undefined)
      this.#table.gauge('connector_task_metrics_status').remove({ ...e.labels, status: e.statusLabel });
    for (const m of this.#table.taskMetrics()) {
      m.remove(e.labels);
    }
  }

  removeConnector(connector: string): void {
    for (const e of [...this.#tasks.values()])
      if (e.base.connector === connector) this.removeTask(connector, e.base.task);
    const entry = this.#connectors.get(connector);
    this.#connectors.delete(connector);
    if (entry?.status !== undefined)
      this.#table.gauge('connector_metrics_status').remove({ connector, status: entry.status });
    if (entry?.info) this.#table.gauge('connector_metrics_info').remove(entry.info);
  }

  #task(connector: string, task: number): TaskEntry {
    const key = taskKey(connector, task);
    let e = this.#tasks.get(key);
    if (!e) {
      const labels = { connector, task: String(task) };
      const base = new ConnectorTaskMetrics(connector, task, this.#windowMs, (state) =>
        this.#publishStatus(entry, state),
      );
      const entry: TaskEntry = { labels, base };
      e = entry;
      this.#tasks.set(key, e);
    }
    return e;
  }
}

function taskKey(connector: string, task: number): string {
  return `${connector}\u0000${task}`;
}
