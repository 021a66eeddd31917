/**
 * The Herder: every cluster operation the REST API can perform (Kafka Connect's Herder). REST is a thin
 * adapter over it; the standalone and distributed herders implement it.
 *
 * Errors are ConnectError subclasses carrying a stable code whose HTTP status REST uses:
 * `seam.rest.not_found` (404), `seam.rest.conflict` (409), `seam.rest.bad_request` (400),
 * `seam.rest.not_stopped` (400), `seam.config.invalid` / `seam.config.unknown_plugin` (400).
 * Configs returned are raw (provider placeholders kept) with password values shown as `[hidden]`.
 */

import type { InstanceStatus, RawConfig, RebuildStatus, TargetState } from '../storage/connector-state.ts';
import type {
  DeadLetterPageRequest,
  DeadLettersInfo,
  RedriveSelection,
  RedriveSummary,
} from './dead-letters-view.ts';

// The stored shapes live with the stores (storage never imports a herder); REST and runtime keep
// importing them from here.
export type {
  ConnectorRecord,
  ConnectorStatusRecord,
  InstanceState,
  InstanceStatus,
  RawConfig,
  RebuildPartition,
  RebuildRecord,
  RebuildStatus,
  TargetState,
} from '../storage/connector-state.ts';
export type {
  DeadLetterPageRequest,
  DeadLettersInfo,
  RedriveSelection,
  RedriveSummary,
} from './dead-letters-view.ts';

export type ConnectorType = 'source' | 'sink' | 'unknown';

export interface ConnectorTaskId {
  readonly connector: string;
  readonly task: number;
}

export interface ConnectorInfo {
  readonly name: string;
  readonly config: RawConfig;
  readonly tasks: readonly ConnectorTaskId[];
  readonly type: ConnectorType;
}

export interface TaskInfo {
  readonly id: ConnectorTaskId;
  readonly config: RawConfig;
}

export interface TaskStatus extends InstanceStatus {
  readonly id: number;
}

export interface ConnectorStateInfo {
  readonly name: string;
  readonly connector: InstanceStatus;
  readonly tasks: readonly TaskStatus[];
  readonly type: ConnectorType;
  /** Seam extension: the running view rebuild, else the last one (kept in the StatusStore). */
  readonly rebuild?: RebuildStatus;
}

export interface PutConfigResult {
  readonly created: boolean;
  readonly info: ConnectorInfo;
}

export interface ConnectorOffset {
  readonly partition: Readonly<Record<string, unknown>>;
  readonly offset: Readonly<Record<string, unknown>> | null;
}

/** The `PUT /connector-plugins/{type}/config/validate` answer, exactly Kafka's ConfigInfos shape. */
export interface ConfigInfos {
  readonly name: string;
  readonly error_count: number;
  readonly groups: readonly string[];
  readonly configs: readonly {
    readonly definition: ConfigKeyInfo;
    readonly value: {
      readonly name: string;
      readonly value: string | null;
      readonly recommended_values: readonly string[];
      readonly errors: readonly string[];
      readonly visible: boolean;
    };
  }[];
}

export interface ConfigKeyInfo {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly default_value: string | null;
  readonly importance: string;
  readonly documentation: string;
  readonly group: string | null;
  readonly order_in_group: number;
  readonly width: string;
  readonly display_name: string;
  readonly dependents: readonly string[];
}

export interface PluginInfo {
  readonly class: string;
  readonly type: string;
  readonly version: string;
}

export interface RestartRequest {
  readonly includeTasks: boolean;
  readonly onlyFailed: boolean;
}

export interface Herder {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Worker id as shown in status (`host:port`). */
  readonly workerId: string;
  /** 'starting' until configs are loaded and connectors started; 'unhealthy' with a reason otherwise. */
  health(): { status: 'healthy' | 'starting' | 'unhealthy'; message: string };

  connectors(): Promise<string[]>;
  connectorInfo(name: string): Promise<ConnectorInfo>;
  connectorConfig(name: string): Promise<RawConfig>;
  putConnectorConfig(
    name: string,
    config: RawConfig,
    options: { allowReplace: boolean; initialState?: TargetState },
  ): Promise<PutConfigResult>;
  /** Merge patch: a null value deletes the key. */
  patchConnectorConfig(name: string, patch: Readonly<Record<string, string | null>>): Promise<ConnectorInfo>;
  deleteConnector(name: string): Promise<void>;
  connectorStatus(name: string): Promise<ConnectorStateInfo>;
  taskStatus(name: string, task: number): Promise<TaskStatus>;
  taskConfigs(name: string): Promise<TaskInfo[]>;
  /** Returns null for the legacy form (connector only, 204); else the status with RESTARTING marks (202). */
  restartConnector(name: string, request: RestartRequest): Promise<ConnectorStateInfo | null>;
  restartTask(name: string, task: number): Promise<void>;
  pauseConnector(name: string): Promise<void>;
  resumeConnector(name: string): Promise<void>;
  /** Synchronous: resolves once tasks have stopped and released their resources. */
  stopConnector(name: string): Promise<void>;
  /**
   * Seam extension: rebuilds the sink's views from the log and swaps them in (SinkRebuild). Returns the
   * status with the rebuild. `seam.rest.bad_request` when the plugin cannot rebuild or the connector is
   * not running; `seam.rest.conflict` when a rebuild already runs.
   */
  rebuildConnector(name: string): Promise<ConnectorStateInfo>;
  /** Aborts the running rebuild (the new views are dropped); `seam.rest.not_found` when none runs. */
  abortRebuild(name: string): Promise<void>;
  /**
   * Seam extension: the connector's dead letters (count, oldest/newest, reasons grouped, a page of
   * records). `seam.rest.bad_request` when it has no dead-letter topic.
   */
  deadLetters(name: string, page: DeadLetterPageRequest): Promise<DeadLettersInfo>;
  /**
   * Seam extension: writes the selected dead letters of a sink again through its current converters,
   * transforms and task, within `budgetMs` (what is left over is `remaining`). `seam.rest.bad_request`
   * for a source or without context headers; `seam.rest.conflict` while a rebuild or another redrive runs.
   */
  redriveDeadLetters(name: string, selection: RedriveSelection, budgetMs: number): Promise<RedriveSummary>;
  connectorActiveTopics(name: string): Promise<string[]>;
  resetConnectorActiveTopics(name: string): Promise<void>;

  connectorOffsets(name: string): Promise<ConnectorOffset[]>;
  /** Connector must be STOPPED. A null offset resets that partition. Returns Kafka's message text. */
  alterConnectorOffsets(name: string, offsets: readonly ConnectorOffset[]): Promise<string>;
  resetConnectorOffsets(name: string): Promise<string>;

  plugins(connectorsOnly: boolean): PluginInfo[];
  pluginConfig(pluginName: string): ConfigKeyInfo[];
  validateConfig(pluginName: string, config: RawConfig): Promise<ConfigInfos>;
}
