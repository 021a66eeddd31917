import { type StatusWrite, statusHistory } from '../integration/cluster/cluster-harness.ts';
import { PrivateRedis } from '../integration/cluster/private-servers.ts';
import { PgPipeline } from './pg-pipeline.ts';

/**
 * The cluster's lease: short, so a worker frozen past it loses its connectors within seconds and a trial
 * stays short (the default is 10 s). A heartbeat is a third of it.
 */
export const CLUSTER_LEASE_MS = 3_000;

/**
 * `pg-kafka-es` run by a cluster of two `seam start` workers: `group.id` (the trial's prefix) and
 * `redis.url` in the worker config select distributed mode, the shared Kafka broker holds the config,
 * offset and status topics of the trial, and a Redis of the trial's own (a free port, no persistence, as
 * the shared one) holds the members, leases and epochs, so a scenario may kill it, and its keys go with
 * it. The trial registers the connectors through the first worker; the leader spreads them.
 */
export class PgClusterPipeline extends PgPipeline {
  readonly workers = 2;
  readonly redis: PrivateRedis;

  constructor(dir: string, id: string) {
    super(dir, id, 'pg-cluster-es');
    this.redis = new PrivateRedis(dir);
  }

  override async connect(): Promise<void> {
    await this.redis.start();
    await super.connect();
  }

  override async close(): Promise<void> {
    await super.close();
    await this.redis.stop();
  }

  /**
   * Kills the private Redis (SIGKILL: it keeps nothing, so members, leases, epochs and the assignment
   * are gone), keeps it down until `downFor` resolves, then starts it again, empty, on the same port.
   */
  async restartRedis(downFor: () => Promise<void>): Promise<void> {
    await this.redis.stop();
    await downFor();
    await this.redis.start();
  }

  /** Every status the cluster's workers wrote (the status topic, read_committed), with its epoch. */
  statusWrites(): Promise<StatusWrite[]> {
    return statusHistory(this.internalTopics.status);
  }

  protected override workerOverrides(): Record<string, string> {
    return {
      'redis.url': this.redis.url,
      'cluster.lease.timeout.ms': String(CLUSTER_LEASE_MS),
      // A vanished worker's connectors move at once: the trial waits for the takeover, not for a delay
      // meant for a pod that restarts.
      'scheduled.rebalance.max.delay.ms': '0',
    };
  }
}
