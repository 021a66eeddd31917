import { Counter, Gauge, type Registry } from 'prom-client';
import type { SampledStat } from './sampled-stat.ts';
import type {
  BoundCounters,
  BoundGauges,
  ConnectorTaskMetrics,
  SinkTaskMetrics,
  SourceTaskMetrics,
} from './task-metrics.ts';

export type TaskLabels = { readonly connector: string; readonly task: string };

/** What the scrape-time gauges read for one task. */
export interface TaskSeries {
  readonly labels: TaskLabels;
  readonly base: ConnectorTaskMetrics;
  readonly source?: SourceTaskMetrics | undefined;
  readonly sink?: SinkTaskMetrics | undefined;
}

const PREFIX = 'kafka_connect_';
export const TASK_LABELS = ['connector', 'task'] as const;

/**
 * The metrics of one registry by short name (without the `kafka_connect_` prefix), and the few ways
 * they are defined: plain counters and gauges, and gauges computed from every task's windowed stats
 * when Prometheus scrapes.
 */
export class MetricTable {
  readonly #registry: Registry;
  readonly #tasks: () => Iterable<TaskSeries>;
  readonly #counters = new Map<string, Counter<string>>();
  readonly #gauges = new Map<string, Gauge<string>>();

  constructor(registry: Registry, tasks: () => Iterable<TaskSeries>) {
    this.#registry = registry;
    this.#tasks = tasks;
  }

  /** Every metric with exactly the connector and task labels (what a removed task leaves behind). */
  *taskMetrics(): Iterable<Counter<string> | Gauge<string>> {
    for (const m of [...this.#counters.values(), ...this.#gauges.values()]) {
      const names = (m as unknown as { labelNames: readonly string[] }).labelNames;
      if (names.length === 2 && names.includes('connector') && names.includes('task')) yield m;
    }
  }

  boundCounters<K extends string>(labels: TaskLabels, names: Record<K, string>): BoundCounters<K> {
    const out = {} as Record<K, ReturnType<Counter<string>['labels']>>;
    for (const k of Object.keys(names) as K[]) out[k] = this.counter(names[k]).labels(labels);
    return out;
  }

  boundGauges<K extends string>(labels: TaskLabels, names: Record<K, string>): BoundGauges<K> {
    const out = {} as Record<K, ReturnType<Gauge<string>['labels']>>;
    for (const k of Object.keys(names) as K[]) out[k] = this.gauge(names[k]).labels(labels);
    return out;
  }

  counter(name: string): Counter<string> {
    const c = this.#counters.get(name);
    if (!c) throw new Error(`metric ${PREFIX}${name} is not defined`);
    return c;
  }

  gauge(name: string): Gauge<string> {
    const g = this.#gauges.get(name);
    if (!g) throw new Error(`metric ${PREFIX}${name} is not defined`);
    return g;
  }

  defCounter(name: string, help: string, labelNames: readonly string[] = TASK_LABELS): void {
    this.#counters.set(
      name,
      new Counter({ name: PREFIX + name, help, labelNames, registers: [this.#registry] }),
    );
  }

  defGauge(
    name: string,
    help: string,
    labelNames: readonly string[] = TASK_LABELS,
    collect?: (g: Gauge<string>) => void | Promise<void>,
  ): void {
    const gauge: Gauge<string> = new Gauge<string>({
      name: PREFIX + name,
      help,
      labelNames,
      registers: [this.#registry],
      ...(collect ? { collect: (): void | Promise<void> => collect(gauge) } : {}),
    });
    this.#gauges.set(name, gauge);
  }

  /** A per-task gauge whose value is read from a windowed stat at scrape time. */
  defWindowed<H>(
    name: string,
    help: string,
    handle: (e: TaskSeries) => H | undefined,
    read: (h: H, now: number) => number,
  ): void {
    this.defGauge(name, help, TASK_LABELS, (g) => {
      const now = Date.now();
      for (const e of this.#tasks()) {
        const h = handle(e);
        if (h !== undefined) g.set(e.labels, read(h, now));
      }
    });
  }

  /** `<prefix>_max<suffix>` and `<prefix>_avg<suffix>` gauges, Kafka's naming for windowed max/avg. */
  defStats<H>(
    prefix: string,
    suffix: string,
    help: string,
    handle: (e: TaskSeries) => H | undefined,
    stat: (h: H) => SampledStat,
  ): void {
    this.defWindowed(`${prefix}_max${suffix}`, `${help}, max over the sample window.`, handle, (h, now) =>
      stat(h).max(now),
    );
    this.defWindowed(`${prefix}_avg${suffix}`, `${help}, average over the sample window.`, handle, (h, now) =>
      stat(h).avg(now),
    );
  }
}
