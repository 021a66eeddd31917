import type { ServerName } from '../helpers/servers.ts';
import type { PgPipeline } from './pg-pipeline.ts';
import type { PgWorkload } from './pg-workload.ts';
import type { ChaosPipeline, ChaosWorkload, PipelineKind } from './pipeline.ts';
import type { FaultProxy } from './proxy.ts';
import type { Rng } from './rng.ts';
import type { ChaosWorker } from './worker.ts';

/**
 * A fault scenario: one file under test/chaos/scenarios/ exporting `scenario`. The trial runner builds the
 * pipeline, prefills, starts the worker and the workload, calls `inject`, then stops the workload, makes
 * sure a worker runs, waits for quiescence and checks the log and the views (trial.ts). A scenario only
 * injects its fault and may add checks of its own (`verify`).
 *
 * `pipeline` chooses the source, log and view (pipelines.ts); the type parameters give `inject` the
 * pipeline's and workload's own methods (a PostgreSQL walsender, a MariaDB binlog connection). The default
 * is PostgreSQL → embedded log → Elasticsearch.
 */
export interface Scenario<P extends ChaosPipeline = PgPipeline, W extends ChaosWorkload = PgWorkload> {
  readonly name: string;
  /** @defaultValue 'pg-es' */
  readonly pipeline?: PipelineKind;
  /** One line for `--list` and the report. */
  readonly description: string;
  /** Servers of `npm run services` it needs; a missing one fails the scenario, never skips it. */
  readonly requires: readonly ServerName[];
  /** Rows per keyed table before the worker starts (the initial snapshot). @defaultValue 300 */
  readonly prefillRows?: number;
  /** Sink config keys over the pipeline's defaults. */
  readonly sinkOverrides?: Readonly<Record<string, string>>;
  /** Source config keys over the pipeline's defaults. */
  readonly sourceOverrides?: Readonly<Record<string, string>>;
  /** How long the views may take to equal the tables after the fault. @defaultValue 240000 */
  readonly quiescenceMs?: number;
  /** Runs after the tables exist and before the worker starts (e.g. an index with a strict mapping). */
  prepare?(ctx: TrialContext<P, W>): Promise<void>;
  /** Not part of a run without names (the self-test that breaks a guarantee on purpose). */
  readonly explicitOnly?: boolean;
  /**
   * The scenario starts the workload itself (`ctx.workload.start()`), e.g. only after an initial snapshot
   * it interrupted has completed. @defaultValue false: it runs from the moment the slot exists
   */
  readonly startsWorkload?: boolean;
  /** Data directory on a small tmpfs of this many MiB (needs root; see disk-full). */
  readonly tmpfsDataDirMiB?: number;
  inject(ctx: TrialContext<P, W>): Promise<void>;
  /** Extra checks after quiescence; each returned line is a violation. */
  verify?(ctx: TrialContext<P, W>): Promise<string[]>;
}

/** A scenario of any pipeline, as the registry and the trial runner hold it. */
export type AnyScenario = Scenario<ChaosPipeline, ChaosWorkload>;

export interface TrialContext<P extends ChaosPipeline = PgPipeline, W extends ChaosWorkload = PgWorkload> {
  readonly rng: Rng;
  /** `ci`: short outages and few faults; `full`: the durations of the issue (outages of 30–120 s). */
  readonly profile: 'ci' | 'full';
  readonly pipeline: P;
  readonly workload: W;
  /** The worker (the first of a cluster's). */
  readonly worker: ChaosWorker;
  /** Every worker of the trial: one, or a cluster's (`ChaosPipeline.workers`), the first being `worker`. */
  readonly workers: readonly ChaosWorker[];
  readonly proxy: FaultProxy;
  /** A directory of this trial (kept with the logs when the trial fails). */
  readonly dir: string;
  /** Waits until every view equals its table as committed so far; false on timeout. */
  untilViewsEqual(timeoutMs: number): Promise<boolean>;
  /** Marks the end of the fault: recovery time runs from here (default: when `inject` returns). */
  faultEnded(): void;
  /** A line in the trial's notes (and the log file). */
  note(text: string): void;
  /** Scenario-specific figures for the report (summed over trials). */
  count(name: string, n?: number): void;
}
