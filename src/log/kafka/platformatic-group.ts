/**
 * The group-member port over @platformatic/kafka: its protocol APIs sent on its connection pool, not its
 * Consumer's group loop. That loop rejoins from its heartbeat as soon as the broker announces a
 * rebalance, before the application could revoke (and commit) its partitions, and its commit rejoins on a
 * stale generation instead of failing: both break the TopicLog's promises (log-consumer.ts). A Consumer
 * instance is still used for what it does well: bootstrap, SASL/TLS, metadata, the coordinator lookup.
 */
import {
  type Broker,
  type ClusterMetadata,
  type Connection,
  Consumer,
  heartbeatV4,
  joinGroupV9,
  kGetConnection,
  kMetadata,
  leaveGroupV5,
  offsetCommitV8,
  syncGroupV5,
} from '@platformatic/kafka';
import { RetriableError } from '../../api/errors.ts';
import { CommitFencedError } from '../log-consumer.ts';
import { type AclHints, type KafkaIdentity, kafkaIdentity } from './authorization.ts';
import type { KafkaGroupOffset, KafkaGroupPort, KafkaGroupState, KafkaJoined } from './client-port.ts';
import { ASSIGNOR } from './consumer-protocol.ts';
import { classifyKafkaError, kafkaErrorNames } from './errors.ts';
import type { KafkaConnectionOptions } from './kafka-config.ts';
import { baseOptions } from './platformatic-options.ts';

/** The generation is over without this member: its partitions are someone else's now. */
const FENCED = ['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID'];
/** The coordinator moved or is loading: look it up again and retry. */
const MOVED = ['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS'];
/** Kafka's session.timeout.ms: within the broker's group.min/max.session.timeout.ms (6 s … 30 min). */
const SESSION_TIMEOUT_MS = 10_000;

export class PlatformaticGroupMember implements KafkaGroupPort {
  /**
   * JoinGroup only. A broker answers one connection's requests in order, and a JoinGroup waits for the
   * slowest member: heartbeats, commits and LeaveGroup go on `#requests`' connection so none waits behind it.
   */
  readonly #joiner: Consumer;
  readonly #requests: Consumer;
  readonly #group: string;
  readonly #identity: KafkaIdentity;

  constructor(options: KafkaConnectionOptions, group: string, clientId: string, maxBlockMs: number) {
    this.#group = group;
    this.#identity = kafkaIdentity(options);
    const base = { ...baseOptions({ ...options, clientId }, 'member'), groupId: group };
    const joinTimeout = Math.max(options.requestTimeoutMs, maxBlockMs + 5000);
    this.#joiner = new Consumer({ ...base, timeout: joinTimeout, requestTimeout: joinTimeout });
    this.#requests = new Consumer(base);
  }

  async join(memberId: string, subscription: Uint8Array, rebalanceTimeoutMs: number): Promise<KafkaJoined> {
    let id = memberId;
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await this.#call(this.#joiner, 'join group', (c) =>
          joinGroupV9.api.async(
            c,
            this.#group,
            SESSION_TIMEOUT_MS,
            rebalanceTimeoutMs,
            id,
            null,
            'consumer',
            [{ name: ASSIGNOR, metadata: Buffer.from(subscription) }],
            null,
          ),
        );
        return {
          generationId: r.generationId,
          memberId: r.memberId,
          leader: r.leader,
          members: r.members.map((m) => ({ memberId: m.memberId, metadata: m.metadata })),
        };
      } catch (error) {
        const names = kafkaErrorNames(error);
        if (attempt >= 5) throw this.#classify(error, `join group ${this.#group}`);
        if (names.includes('MEMBER_ID_REQUIRED')) {
          id = (error as { response?: { memberId?: string } }).response?.memberId ?? '';
        } else if (names.includes('UNKNOWN_MEMBER_ID')) {
          id = '';
        } else if (!names.includes('REBALANCE_IN_PROGRESS')) {
          throw this.#classify(error, `join group ${this.#group}`);
        }
      }
    }
  }

  async sync(
    generationId: number,
    memberId: string,
    assignments: ReadonlyMap<string, Uint8Array>,
  ): Promise<Uint8Array | null> {
    try {
      const r = await this.#call(this.#requests, 'sync group', (c) =>
        syncGroupV5.api.async(
          c,
          this.#group,
          generationId,
          memberId,
          null,
          'consumer',
          ASSIGNOR,
          [...assignments].map(([id, bytes]) => ({ memberId: id, assignment: Buffer.from(bytes) })),
        ),
      );
      return r.assignment ?? new Uint8Array(0);
    } catch (error) {
      if (kafkaErrorNames(error).some((n) => n === 'REBALANCE_IN_PROGRESS' || FENCED.includes(n)))
        return null;
      throw this.#classify(error, `sync group ${this.#group}`);
    }
  }

  async heartbeat(generationId: number, memberId: string): Promise<KafkaGroupState> {
    try {
      await this.#call(this.#requests, 'heartbeat', (c) =>
        heartbeatV4.api.async(c, this.#group, generationId, memberId, null),
      );
      return 'stable';
    } catch (error) {
      const names = kafkaErrorNames(error);
      if (names.includes('REBALANCE_IN_PROGRESS')) return 'rebalance';
      if (names.some((n) => FENCED.includes(n))) return 'fenced';
      throw this.#classify(error, `heartbeat in group ${this.#group}`);
    }
  }

  async commit(generationId: number, memberId: string, offsets: readonly KafkaGroupOffset[]): Promise<void> {
    const topics = new Map<
      string,
      { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number }[]
    >();
    for (const o of offsets) {
      topics.set(o.topic, [
        ...(topics.get(o.topic) ?? []),
        { partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1 },
      ]);
    }
    try {
      await this.#call(this.#requests, 'commit', (c) =>
        offsetCommitV8.api.async(
          c,
          this.#group,
          generationId,
          memberId,
          null,
          [...topics].map(([name, partitions]) => ({ name, partitions })),
        ),
      );
    } catch (error) {
      const names = kafkaErrorNames(error);
      // Kafka refuses a commit of an ended generation: the member was removed.
      if (names.some((n) => FENCED.includes(n))) {
        throw new CommitFencedError(
          `group ${this.#group}: the broker refused the commit of member ${memberId} (generation ${generationId} is over)`,
        );
      }
      // Offsets of a topic deleted meanwhile are dropped, as the TopicLog specifies.
      // (The broker commits the other partitions of the request.)
      if (names.includes('UNKNOWN_TOPIC_OR_PARTITION')) return;
      // Between a JoinGroup and its SyncGroup: the member still owns its partitions, try after the sync.
      if (names.includes('REBALANCE_IN_PROGRESS')) {
        throw new RetriableError(`group ${this.#group}: commit during a rebalance, try again`, {
          code: 'seam.log.unavailable',
          cause: error,
        });
      }
      throw this.#classify(error, `commit offsets of group ${this.#group}`, { topics: [...topics.keys()] });
    }
  }

  async leave(memberId: string): Promise<void> {
    await this.#call(this.#requests, 'leave group', (c) =>
      leaveGroupV5.api.async(c, this.#group, [{ memberId, groupInstanceId: null, reason: 'closed' }]),
    ).catch(() => {});
  }

  async close(): Promise<void> {
    await Promise.all([this.#joiner.close(true), this.#requests.close(true)]);
  }

  /** Every group request needs READ on the group (an offset commit READ on its topics too). */
  #classify(error: unknown, what: string, acl: AclHints = {}): Error {
    return classifyKafkaError(error, {
      what,
      acl: { group: this.#group, groupOperation: 'READ', topicOperation: 'READ', ...acl },
      identity: this.#identity,
    });
  }

  /** Runs one request on the coordinator's connection, looking the coordinator up again when it moved. */
  async #call<T>(
    client: Consumer,
    what: string,
    request: (connection: Connection) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let connection: Connection;
      try {
        const coordinator = await client.findGroupCoordinator();
        const metadata = await new Promise<ClusterMetadata>((resolve, reject) =>
          client[kMetadata]({ topics: [] }, (e, m) => (e ? reject(e) : resolve(m!))),
        );
        const broker = metadata.brokers.get(coordinator) as Broker;
        connection = await new Promise<Connection>((resolve, reject) =>
          client[kGetConnection](broker, (e, c) => (e ? reject(e) : resolve(c!))),
        );
      } catch (error) {
        throw this.#classify(error, `${what} in group ${this.#group}`);
      }
      try {
        return await request(connection);
      } catch (error) {
        if (attempt < 3 && kafkaErrorNames(error).some((n) => MOVED.includes(n))) {
          await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
          continue;
        }
        throw error;
      }
    }
  }
}
