/**
 * The producers of the client port over @platformatic/kafka: transactional (the log's appends) and plain
 * idempotent (the internal topics), each with the client's defects worked around where they bite.
 */
import {
  addPartitionsToTxnV3,
  addPartitionsToTxnV4,
  addPartitionsToTxnV5,
  kGetApi,
  Producer,
} from '@platformatic/kafka';
import { type KafkaIdentity, kafkaIdentity } from './authorization.ts';
import type {
  KafkaOutRecord,
  KafkaProducerPort,
  KafkaTransaction,
  KafkaTransactionalProducer,
} from './client-port.ts';
import { classifyKafkaError } from './errors.ts';
import type { KafkaConnectionOptions } from './kafka-config.ts';
import { baseOptions } from './platformatic-options.ts';
import { recordOffsets, timestampRuns } from './record-offsets.ts';

function toMessage(r: KafkaOutRecord, now: number) {
  const headers = new Map<Buffer, Buffer>();
  // Distinct Buffer objects as keys keep duplicate header names, in order; null values go as -1 length.
  for (const h of r.headers)
    headers.set(toBuffer(h.key), h.value === null ? (null as unknown as Buffer) : toBuffer(h.value));
  return {
    topic: r.topic,
    partition: r.partition,
    ...(r.key === null ? {} : { key: toBuffer(r.key) }),
    ...(r.value === null ? {} : { value: toBuffer(r.value) }),
    headers,
    timestamp: BigInt(r.timestamp ?? now),
  };
}

function toBuffer(b: Uint8Array | string): Buffer {
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export class PlatformaticProducer implements KafkaTransactionalProducer {
  private readonly producer: Producer;
  private readonly identity: KafkaIdentity;
  readonly transactionalId: string;
  constructor(options: KafkaConnectionOptions, transactionalId: string) {
    this.transactionalId = transactionalId;
    this.identity = kafkaIdentity(options);
    this.producer = new Producer({
      ...baseOptions(options, 'producer'),
      transactionalId,
      idempotent: true,
      // The client's default (0, 0) makes InitProducerId a re-initialisation of producer 0: a new
      // process taking over an existing transactional.id is then refused as fenced. -1/-1 asks the
      // broker for the id's producer, bumping its epoch (fencing the zombie), as Kafka specifies.
      producerId: -1n,
      producerEpoch: -1,
      acks: -1,
      autocreateTopics: false,
      compression: options.compression,
    });
    clientAddPartitionsToTxn(this.producer);
  }

  async begin(): Promise<KafkaTransaction> {
    const what = {
      transactionalId: this.transactionalId,
      what: 'begin transaction',
      identity: this.identity,
    };
    let tx: Awaited<ReturnType<Producer['beginTransaction']>>;
    try {
      tx = await this.producer.beginTransaction();
    } catch (error) {
      // A begin that failed (coordinator unreachable) leaves its transaction registered in the client,
      // refusing every later begin: drop it locally.
      await this.producer.transaction?.cancel().catch(() => {});
      throw classifyKafkaError(error, what);
    }
    const id = this.transactionalId;
    const identity = this.identity;
    return {
      async send(records): Promise<number[]> {
        try {
          return await sendInRuns(records, (messages) => tx.send({ messages }));
        } catch (error) {
          throw classifyKafkaError(error, {
            transactionalId: id,
            what: 'send in transaction',
            acl: { topics: records.map((r) => r.topic), topicOperation: 'WRITE' },
            identity,
          });
        }
      },
      async commit() {
        try {
          await tx.commit();
        } catch (error) {
          throw classifyKafkaError(error, { transactionalId: id, what: 'commit transaction', identity });
        }
      },
      async abort() {
        try {
          await tx.abort();
        } catch (error) {
          // The client keeps a transaction whose abort failed as active, refusing every later begin:
          // drop it locally; the broker aborts it on timeout or when this id initialises again.
          await tx.cancel().catch(() => {});
          throw classifyKafkaError(error, { transactionalId: id, what: 'abort transaction', identity });
        }
      },
    };
  }

  close(): Promise<void> {
    return this.producer.close(true);
  }
}

/**
 * AddPartitionsToTxn v4 and later are the brokers' own batched version (KIP-890): Kafka authorizes them by
 * CLUSTER_ACTION on the cluster, which no client principal should hold. The client asks for the highest
 * version the broker lists (v5 on Kafka 3.9), so on a cluster with an authorizer every transaction failed
 * with CLUSTER_AUTHORIZATION_FAILED. v3 is the clients' version, with the same request shape.
 */
function clientAddPartitionsToTxn(producer: Producer): void {
  type GetApi = (name: string, callback: (error: Error | null, api?: unknown) => void) => void;
  const target = producer as unknown as Record<typeof kGetApi, GetApi>;
  const getApi = target[kGetApi].bind(producer);
  const brokerOnly = new Set<unknown>([addPartitionsToTxnV4.api, addPartitionsToTxnV5.api]);
  target[kGetApi] = (name, callback) =>
    getApi(name, (error, api) => callback(error, brokerOnly.has(api) ? addPartitionsToTxnV3.api : api));
}

export class PlatformaticPlainProducer implements KafkaProducerPort {
  private readonly producer: Producer;
  private readonly identity: KafkaIdentity;
  constructor(options: KafkaConnectionOptions) {
    this.identity = kafkaIdentity(options);
    this.producer = new Producer({
      ...baseOptions(options, 'producer'),
      idempotent: true,
      acks: -1,
      autocreateTopics: false,
      compression: options.compression,
    });
  }

  async send(records: readonly KafkaOutRecord[]): Promise<number[]> {
    try {
      return await sendInRuns(records, (messages) => this.producer.send({ messages }));
    } catch (error) {
      throw classifyKafkaError(error, {
        what: 'send',
        acl: {
          topics: records.map((r) => r.topic),
          topicOperation: 'WRITE',
          clusterOperation: 'IDEMPOTENT_WRITE',
        },
        identity: this.identity,
      });
    }
  }

  close(): Promise<void> {
    return this.producer.close(true);
  }
}

type Message = ReturnType<typeof toMessage>;
type SentOffsets = { offsets?: readonly { topic: string; partition: number; offset: bigint }[] };

/**
 * Sends records in runs of one timestamp type (see timestampRuns) and returns each record's offset. Every
 * record gets its timestamp here, so that the runs and the stored records agree.
 */
async function sendInRuns(
  records: readonly KafkaOutRecord[],
  send: (messages: Message[]) => Promise<SentOffsets>,
): Promise<number[]> {
  const offsets: number[] = [];
  const now = Date.now();
  for (const run of timestampRuns(records, now)) {
    const result = await send(run.map((r) => toMessage(r, now)));
    const bases = (result.offsets ?? []).map((o) => ({
      topic: o.topic,
      partition: o.partition,
      baseOffset: Number(o.offset),
    }));
    offsets.push(...recordOffsets(run, bases));
  }
  return offsets;
}
