import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { SampledStat } from './sampled-stat.ts';
import {
  type BoundCounters,
  type BoundGauges,
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
const P = 'kafka_connect_';
const TASK = ['connector', 'task'] as const;

interface TaskEntry {
  readonly labels: { connector: string; task: string };
  readonly base: ConnectorTaskMetrics;
  source?: SourceTaskMetrics;
  sink?: SinkTaskMetrics;
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
  readonly #counters = new Map<string, Counter<string>>();
  readonly #gauges = new Map<string, Gauge<string>>();

  constructor(registry: Registry = new Registry(), options: ConnectMetricsOptions = {}) {
    this.registry = registry;
    this.#windowMs = options.windowMs ?? 30_000;
    if (options.processMetrics) collectDefaultMetrics({ register: registry });
    this.#defineConnectorGroups();
    this.#defineSourceGroup();
    this.#defineSinkGroup();
    this.#defineErrorGroup();
    this.#defineWorkerGroup();
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
      this.#boundCounters<SourceCounter>(e, {
        poll: 'source_task_metrics_source_record_poll_total',
        write: 'source_task_metrics_source_record_write_total',
      }),
      this.#boundGauges<SourceGauge>(e, { active: 'source_task_metrics_source_record_active_count' }),
      this.#windowMs,
    );
    return e.source;
  }

  sinkTask(connector: string, task: number): SinkTaskMetrics {
    const e = this.#task(connector, task);
    e.sink ??= new SinkTaskMetrics(
      e.base,
      this.#boundCounters<SinkCounter>(e, {
        read: 'sink_task_metrics_sink_record_read_total',
        send: 'sink_task_metrics_sink_record_send_total',
        commitCompletion: 'sink_task_metrics_offset_commit_completion_total',
        commitSkip: 'sink_task_metrics_offset_commit_skip_total',
      }),
      this.#boundGauges<SinkGauge>(e, {
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
      this.#boundCounters<ErrorCounter>(e, {
        failures: 'task_error_metrics_total_record_failures',
        errors: 'task_error_metrics_total_record_errors',
        skipped: 'task_error_metrics_total_records_skipped',
        retries: 'task_error_metrics_total_retries',
        logged: 'task_error_metrics_total_errors_logged',
        dlqRequests: 'task_error_metrics_deadletterqueue_produce_requests',
        dlqFailures: 'task_error_metrics_deadletterqueue_produce_failures',
      }),
      this.#gauge('task_error_metrics_last_error_timestamp').labels(e.labels),
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
    const statusGauge = this.#gauge('connector_metrics_status');
    if (entry.status !== undefined && entry.status !== status)
      statusGauge.remove({ connector, status: entry.status });
    statusGauge.set({ connector, status }, 1);
    entry.status = status;
    const info = { connector, connector_type: type, connector_class: className, connector_version: version };
    const infoGauge = this.#gauge('connector_metrics_info');
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
    const g = this.#gauge('connector_task_metrics_status');
    if (e.statusLabel !== undefined && e.statusLabel !== status)
      g.remove({ ...e.labels, status: e.statusLabel });
    g.set({ ...e.labels, status }, 1);
    e.statusLabel = status;
  }

  /** connect-worker-metrics startup counters. */
  connectorStartup(success: boolean): void {
    this.#counter('connect_worker_metrics_connector_startup_attempts_total').inc();
    this.#counter(`connect_worker_metrics_connector_startup_${success ? 'success' : 'failure'}_total`).inc();
  }

  taskStartup(success: boolean): void {
    this.#counter('connect_worker_metrics_task_startup_attempts_total').inc();
    this.#counter(`connect_worker_metrics_task_startup_${success ? 'success' : 'failure'}_total`).inc();
  }

  removeTask(connector: string, task: number): void {
    const key = taskKey(connector, task);
    const e = this.#tasks.get(key);
    if (!e) return;
    this.#tasks.delete(key);
    if (e.statusLabel !== undefined)
      this.#gauge('connector_task_metrics_status').remove({ ...e.labels, status: e.statusLabel });
    for (const m of [...this.#counters.values(), ...this.#gauges.values()]) {
      if (labelNames(m).length === 2 && labelNames(m).includes('task')) m.remove(e.labels);
    }
  }

  removeConnector(connector: string): void {
    for (const e of [...this.#tasks.values()])
      if (e.base.connector === connector) this.removeTask(connector, e.base.task);
    const entry = this.#connectors.get(connector);
    this.#connectors.delete(connector);
    if (entry?.status !== undefined)
      this.#gauge('connector_metrics_status').remove({ connector, status: entry.status });
    if (entry?.info) this.#gauge('connector_metrics_info').remove(entry.info);
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

  #boundCounters<K extends string>(e: TaskEntry, names: Record<K, string>): BoundCounters<K> {
    const out = {} as Record<K, ReturnType<Counter<string>['labels']>>;
    for (const k of Object.keys(names) as K[]) out[k] = this.#counter(names[k]).labels(e.labels);
    return out;
  }

  #boundGauges<K extends string>(e: TaskEntry, names: Record<K, string>): BoundGauges<K> {
    const out = {} as Record<K, ReturnType<Gauge<string>['labels']>>;
    for (const k of Object.keys(names) as K[]) out[k] = this.#gauge(names[k]).labels(e.labels);
    return out;
  }

  #counter(name: string): Counter<string> {
    const c = this.#counters.get(name);
    if (!c) throw new Error(`metric ${P}${name} is not defined`);
    return c;
  }

  #gauge(name: string): Gauge<string> {
    const g = this.#gauges.get(name);
    if (!g) throw new Error(`metric ${P}${name} is not defined`);
    return g;
  }

  #defCounter(name: string, help: string, labelNames: readonly string[] = TASK): void {
    this.#counters.set(name, new Counter({ name: P + name, help, labelNames, registers: [this.registry] }));
  }

  #defGauge(
    name: string,
    help: string,
    labelNames: readonly string[] = TASK,
    collect?: (g: Gauge<string>) => void | Promise<void>,
  ): void {
    const gauge: Gauge<string> = new Gauge<string>({
      name: P + name,
      help,
      labelNames,
      registers: [this.registry],
      ...(collect ? { collect: (): void | Promise<void> => collect(gauge) } : {}),
    });
    this.#gauges.set(name, gauge);
  }

  /** A per-task gauge whose value is read from a windowed stat at scrape time. */
  #defWindowed<H>(
    name: string,
    help: string,
    handle: (e: TaskEntry) => H | undefined,
    read: (h: H, now: number) => number,
  ): void {
    this.#defGauge(name, help, TASK, (g) => {
      const now = Date.now();
      for (const e of this.#tasks.values()) {
        const h = handle(e);
        if (h !== undefined) g.set(e.labels, read(h, now));
      }
    });
  }

  #defineConnectorGroups(): void {
    this.#defGauge('connector_metrics_status', 'Connector status as a label (value 1).', [
      'connector',
      'status',
    ]);
    this.#defGauge('connector_metrics_info', 'Connector type, class and version as labels (value 1).', [
      'connector',
      'connector_type',
      'connector_class',
      'connector_version',
    ]);
    const base = (e: TaskEntry) => e.base;
    this.#defGauge('connector_task_metrics_status', 'Task status as a label (value 1).', [...TASK, 'status']);
    this.#defWindowed(
      'connector_task_metrics_running_ratio',
      'Fraction of time the task has spent RUNNING.',
      base,
      (b, now) => b.runningRatio(now),
    );
    this.#defWindowed(
      'connector_task_metrics_pause_ratio',
      'Fraction of time the task has spent PAUSED.',
      base,
      (b, now) => b.pauseRatio(now),
    );
    this.#defStats(
      'connector_task_metrics_offset_commit',
      '_time_ms',
      'Offset commit time in ms',
      base,
      (b) => b.offsetCommitTime,
    );
    this.#defWindowed(
      'connector_task_metrics_offset_commit_success_percentage',
      'Fraction of offset commits that succeeded.',
      base,
      (b, now) => b.offsetCommitSuccess.avg(now),
    );
    this.#defWindowed(
      'connector_task_metrics_offset_commit_failure_percentage',
      'Fraction of offset commits that failed.',
      base,
      (b, now) => {
        const ok = b.offsetCommitSuccess.avg(now);
        return Number.isNaN(ok) ? ok : 1 - ok;
      },
    );
    this.#defStats('connector_task_metrics_batch_size', '', 'Records per batch', base, (b) => b.batchSize);
  }

  /** `<prefix>_max<suffix>` and `<prefix>_avg<suffix>` gauges, Kafka's naming for windowed max/avg. */
  #defStats<H>(
    prefix: string,
    suffix: string,
    help: string,
    handle: (e: TaskEntry) => H | undefined,
    stat: (h: H) => SampledStat,
  ): void {
    this.#defWindowed(`${prefix}_max${suffix}`, `${help}, max over the sample window.`, handle, (h, now) =>
      stat(h).max(now),
    );
    this.#defWindowed(
      `${prefix}_avg${suffix}`,
      `${help}, average over the sample window.`,
      handle,
      (h, now) => stat(h).avg(now),
    );
  }

  #defineSourceGroup(): void {
    const src = (e: TaskEntry) => e.source;
    this.#defCounter(
      'source_task_metrics_source_record_poll_total',
      'Records produced or polled by the task.',
    );
    this.#defCounter(
      'source_task_metrics_source_record_write_total',
      'Records written to the topic log after transforms.',
    );
    this.#defStats(
      'source_task_metrics_poll_batch',
      '_time_ms',
      'Time to poll a batch, in ms',
      src,
      (h) => h.pollBatch,
    );
    this.#defGauge(
      'source_task_metrics_source_record_active_count',
      'Records polled but not yet durable in the log.',
    );
    this.#defWindowed(
      'source_task_metrics_source_record_active_count_max',
      'Max in-flight records over the window.',
      src,
      (h, now) => h.active.max(now),
    );
    this.#defWindowed(
      'source_task_metrics_source_record_active_count_avg',
      'Average in-flight records over the window.',
      src,
      (h, now) => h.active.avg(now),
    );
    this.#defWindowed(
      'source_task_metrics_transaction_size_min',
      'Smallest transaction (records) over the window.',
      src,
      (h, now) => h.transaction.min(now),
    );
    this.#defWindowed(
      'source_task_metrics_transaction_size_max',
      'Largest transaction (records) over the window.',
      src,
      (h, now) => h.transaction.max(now),
    );
    this.#defWindowed(
      'source_task_metrics_transaction_size_avg',
      'Average transaction (records) over the window.',
      src,
      (h, now) => h.transaction.avg(now),
    );
  }

  #defineSinkGroup(): void {
    const sink = (e: TaskEntry) => e.sink;
    this.#defCounter('sink_task_metrics_sink_record_read_total', 'Records read from the log by the task.');
    this.#defCounter('sink_task_metrics_sink_record_send_total', 'Records passed to put() after transforms.');
    this.#defCounter('sink_task_metrics_offset_commit_completion_total', 'Offset commits that completed.');
    this.#defCounter(
      'sink_task_metrics_offset_commit_skip_total',
      'Offset commits skipped because one was in progress.',
    );
    this.#defGauge('sink_task_metrics_partition_count', 'Topic partitions assigned to the task.');
    this.#defGauge('sink_task_metrics_offset_commit_seq_no', 'Sequence number of the last offset commit.');
    this.#defGauge('sink_task_metrics_sink_record_active_count', 'Records read but not yet committed.');
    this.#defWindowed(
      'sink_task_metrics_sink_record_active_count_max',
      'Max uncommitted records over the window.',
      sink,
      (h, now) => h.active.max(now),
    );
    this.#defWindowed(
      'sink_task_metrics_sink_record_active_count_avg',
      'Average uncommitted records over the window.',
      sink,
      (h, now) => h.active.avg(now),
    );
    this.#defWindowed(
      'sink_task_metrics_sink_record_lag_max',
      'Max lag behind the log end over the window.',
      sink,
      (h, now) => h.lag.max(now),
    );
    this.#defStats(
      'sink_task_metrics_put_batch',
      '_time_ms',
      'Time to put a batch, in ms',
      sink,
      (h) => h.putBatch,
    );
  }

  #defineErrorGroup(): void {
    this.#defCounter(
      'task_error_metrics_total_record_failures',
      'Failed attempts to process a record (before retries).',
    );
    this.#defCounter('task_error_metrics_total_record_errors', 'Records that failed after retries.');
    this.#defCounter(
      'task_error_metrics_total_records_skipped',
      'Records skipped under errors.tolerance=all.',
    );
    this.#defCounter('task_error_metrics_total_retries', 'Retried operations.');
    this.#defCounter('task_error_metrics_total_errors_logged', 'Errors written to the log.');
    this.#defCounter(
      'task_error_metrics_deadletterqueue_produce_requests',
      'Dead-letter queue writes attempted.',
    );
    this.#defCounter(
      'task_error_metrics_deadletterqueue_produce_failures',
      'Dead-letter queue writes that failed.',
    );
    this.#defGauge('task_error_metrics_last_error_timestamp', 'ms since epoch of the last record error.');
  }

  #defineWorkerGroup(): void {
    this.#defGauge('connect_worker_metrics_connector_count', 'Connectors on this worker.', [], (g) =>
      g.set(this.#connectors.size),
    );
    this.#defGauge('connect_worker_metrics_task_count', 'Tasks on this worker.', [], (g) =>
      g.set(this.#tasks.size),
    );
    for (const what of ['connector', 'task']) {
      for (const outcome of ['attempts', 'success', 'failure']) {
        this.#defCounter(
          `connect_worker_metrics_${what}_startup_${outcome}_total`,
          `${what} startups (${outcome}).`,
          [],
        );
      }
      for (const outcome of ['success', 'failure']) {
        this.#defGauge(
          `connect_worker_metrics_${what}_startup_${outcome}_percentage`,
          `Fraction of ${what} startups that ended in ${outcome}.`,
          [],
          async (g) => {
            const attempts =
              (await this.#counter(`connect_worker_metrics_${what}_startup_attempts_total`).get()).values[0]
                ?.value ?? 0;
            const n =
              (await this.#counter(`connect_worker_metrics_${what}_startup_${outcome}_total`).get()).values[0]
                ?.value ?? 0;
            g.set(attempts === 0 ? 0 : n / attempts);
          },
        );
      }
    }
    for (const state of ['total', 'running', 'paused', 'failed', 'unassigned', 'restarting', 'stopped']) {
      this.#defGauge(
        `connect_worker_metrics_connector_${state}_task_count`,
        `Tasks of the connector (${state}).`,
        ['connector'],
        (g) => {
          g.reset();
          const counts = new Map<string, number>();
          for (const c of this.#connectors.keys()) counts.set(c, 0);
          for (const e of this.#tasks.values()) {
            if (state === 'total' || e.base.state.toLowerCase() === state)
              counts.set(e.base.connector, (counts.get(e.base.connector) ?? 0) + 1);
            else if (!counts.has(e.base.connector)) counts.set(e.base.connector, 0);
          }
          for (const [connector, n] of counts) g.set({ connector }, n);
        },
      );
    }
  }
}

function taskKey(connector: string, task: number): string {
  return `${connector}\u0000${task}`;
}

function labelNames(m: Counter<string> | Gauge<string>): readonly string[] {
  return (m as unknown as { labelNames: readonly string[] }).labelNames;
}
