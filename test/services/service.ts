/** The six servers `npm run services` manages, in start order (light native servers first, JVMs one by one). */
export const SERVICE_NAMES = ['postgres', 'mariadb', 'redis', 'kafka', 'elasticsearch', 'cassandra'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Per-server folders under test/services/.state/<name>/. */
export interface ServiceContext {
  dir: string;
  logFile: string;
}

/**
 * One test server. The cli calls, in order: install, launch, ready (repeated until it resolves or
 * startTimeoutMs passes), then bootstrap once. `down` sends stopSignal to the launched process group.
 */
export interface Service {
  readonly name: ServiceName;
  /** Signal that makes the server shut down cleanly (postgres wants SIGINT for a fast shutdown). */
  readonly stopSignal: NodeJS.Signals;
  readonly startTimeoutMs: number;
  /** The loopback port `up` checks is free before launching. */
  readonly port: number;
  /** Installs missing packages or jars. Safe to repeat. */
  install(ctx: ServiceContext): Promise<void>;
  /** Writes config, initialises data on first use, spawns the server; returns the process group leader. */
  launch(ctx: ServiceContext): Promise<{ pid: number; cmdlineMark: string }>;
  /** One real health query; throws while the server is not ready. */
  ready(ctx: ServiceContext): Promise<void>;
  /** Creates users and databases the tests rely on; idempotent. */
  bootstrap?(ctx: ServiceContext): Promise<void>;
  /** Connection settings, printed after `up` and by `status`. */
  describe(): string;
}
