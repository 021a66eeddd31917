import type { LoggedChange } from './check.ts';
import type { Row, Touch } from './pg-workload.ts';

/** Which pipeline a scenario runs: source database → topic log → view store. */
export type PipelineKind =
  | 'pg-es'
  | 'pg-private-es'
  | 'pg-cassandra'
  | 'pg-kafka-es'
  | 'pg-private-kafka-es'
  | 'pg-cluster-es'
  | 'mariadb-es'
  | 'mariadb-private-es';

/**
 * What the trial runner needs of a pipeline, whatever its source, log and view: the worker's files, the
 * server its sink reaches through the fault proxy, the views and the log read back. One trial builds one.
 */
export interface ChaosPipeline {
  readonly kind: PipelineKind;
  readonly dataDir: string;
  /**
   * How many `seam start` processes the trial runs, all with the same worker config (a cluster); each
   * gets a data directory of its own under `dataDir`. @defaultValue 1: one worker on `dataDir` itself
   */
  readonly workers?: number;
  /** The keyed tables that have a view (the table without a key is checked in the log only). */
  readonly viewTables: readonly string[];
  /** The server the sink writes to; the trial puts the fault proxy in front of it. */
  readonly sinkTarget: { readonly host: string; readonly port: number };
  connect(): Promise<void>;
  /** Drops what the trial created on the shared servers (also after a failure). */
  close(): Promise<void>;
  /** Worker config and connector files; the sink reaches its server at `proxy` (host:port). */
  files(
    proxy: { host: string; port: number },
    sinkOverrides?: Record<string, string>,
    sourceOverrides?: Record<string, string>,
  ): { worker: string; connectors: string[] };
  /** Runs after the tables exist and before the worker starts (views that need creating). */
  prepareViews(): Promise<void>;
  /** Resolves once the source captures changes (the slot exists); the ledger may start after it. */
  untilCapturing(): Promise<void>;
  viewRows(table: string): Promise<Map<number, Row>>;
  /** Every change of the trial's topics in the log (beside a running worker or after it). */
  loggedChanges(dataDir?: string): Promise<LoggedChange[]>;
}

/** The workload side: a model of every table and a ledger of every committed change. */
export interface ChaosWorkload {
  readonly ledger: Touch[];
  /** Table name → key → row, as committed. */
  readonly model: Map<string, Map<number, Row>>;
  readonly transactions: number;
  createTables(): Promise<void>;
  prefill(rows: number): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}
