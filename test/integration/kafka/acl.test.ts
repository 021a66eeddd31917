/**
 * Missing ACLs (issue 16, bad input) on a PRIVATE KRaft broker with StandardAuthorizer: SASL/PLAIN users
 * each lacking one ACL the worker needs (WRITE on the topic, WRITE on the transactional id, READ on the
 * consumer group, CREATE on the cluster). Each gives one fatal `seam.log.not_authorized` error naming the
 * resource type and name, the operation and the principal; a source task meeting one is FAILED with it
 * and not restarted, a worker whose own topics are refused does not start. The PLAINTEXT listener is the
 * super user ANONYMOUS here (the broker talks to itself on it), used only to set the ACLs up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AclOperations,
  AclPermissionTypes,
  Admin,
  ResourcePatternTypes,
  ResourceTypes,
} from '@platformatic/kafka';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError } from '../../../src/api/errors.ts';
import { shouldAutoRestart } from '../../../src/herder/restart-backoff.ts';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { KafkaAuthorizationError } from '../../../src/log/kafka/authorization.ts';
import type { TopicLog } from '../../../src/log/topic-log.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { openWorkerLog } from '../../../src/runtime/worker-log.ts';
import { eventually, testRegistry } from '../../helpers/runtime-plugins.ts';
import { type PrivateBroker, startPrivateBroker } from './private-broker.ts';

const P = 'acl';
const USERS = ['granted', 'nowrite', 'notxn', 'nogroup', 'nocreate'] as const;
type User = (typeof USERS)[number];
const PASSWORD = 'acl-secret';
const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required';

let broker: PrivateBroker | null = null;
const dir = mkdtempSync(join(tmpdir(), 'seam-acl-'));
const logger = pino({ level: 'silent' });
const opened: TopicLog[] = [];
let herder: StandaloneHerder | null = null;

type Op = keyof typeof AclOperations;
type Res = 'TOPIC' | 'GROUP' | 'TRANSACTIONAL_ID' | 'CLUSTER';

/** What each user may do: everything under the prefix except the one ACL its name says it lacks. */
function grants(user: User): [Res, string, 'PREFIXED' | 'LITERAL', Op][] {
  const out: [Res, string, 'PREFIXED' | 'LITERAL', Op][] = [];
  const topicOps: Op[] =
    user === 'nowrite'
      ? ['DESCRIBE', 'DESCRIBE_CONFIGS', 'READ', 'CREATE']
      : user === 'nocreate'
        ? ['DESCRIBE', 'DESCRIBE_CONFIGS', 'READ', 'WRITE']
        : ['ALL'];
  for (const op of topicOps) out.push(['TOPIC', P, 'PREFIXED', op]);
  // The worker's own topics stay writable for `nowrite`: only the connector's topic is refused.
  if (user === 'nowrite') out.push(['TOPIC', `${P}-nowrite-`, 'PREFIXED', 'WRITE']);
  if (user !== 'nogroup') out.push(['GROUP', P, 'PREFIXED', 'ALL']);
  if (user !== 'notxn') out.push(['TRANSACTIONAL_ID', P, 'PREFIXED', 'ALL']);
  if (user !== 'nocreate') out.push(['CLUSTER', 'kafka-cluster', 'LITERAL', 'CREATE']);
  return out;
}

function workerConfig(user: User): Record<string, string> {
  return {
    'bootstrap.servers': broker!.saslBrokers,
    'security.protocol': 'SASL_PLAINTEXT',
    'sasl.mechanism': 'PLAIN',
    'sasl.jaas.config': `${JAAS} username="${user}" password="${PASSWORD}";`,
    'client.id': `${P}-${user}`,
    'group.id': `${P}-${user}`,
    'offset.storage.topic': `${P}-${user}-offsets`,
    'config.storage.topic': `${P}-${user}-configs`,
    'status.storage.topic': `${P}-${user}-status`,
    'offset.storage.partitions': '1',
    'request.timeout.ms': '15000',
  };
}

async function open(user: User): Promise<TopicLog> {
  const { log } = await openWorkerLog({
    dataDir: dir,
    workerId: 'w1',
    workerConfig: workerConfig(user),
    logger,
    retry: { initialMs: 100, maxMs: 500 },
  });
  opened.push(log);
  return log;
}

const record = (topic: string) => ({
  topic,
  partition: 0,
  key: Buffer.from('k'),
  value: Buffer.from('v'),
  headers: [],
  timestamp: null,
});

/** The innermost KafkaAuthorizationError of a cause chain. */
function authorizationError(error: unknown): KafkaAuthorizationError {
  let found: KafkaAuthorizationError | null = null;
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof KafkaAuthorizationError) found = e;
  if (found === null) throw new Error('no KafkaAuthorizationError in the chain', { cause: error });
  return found;
}

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e,
  );

beforeAll(async () => {
  const users = USERS.map((u) => `user_${u}="${PASSWORD}"`).join(' ');
  broker = await startPrivateBroker({
    properties: {
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:admin;User:ANONYMOUS',
      'allow.everyone.if.no.acl.found': 'false',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': `${JAAS} username="admin" password="admin-secret" user_admin="admin-secret" ${users};`,
    },
  });
  const admin = new Admin({ clientId: 'acl-setup', bootstrapBrokers: [broker.brokers] });
  try {
    await admin.createAcls({
      creations: USERS.flatMap((user) =>
        grants(user).map(([type, name, pattern, op]) => ({
          resourceType: ResourceTypes[type],
          resourceName: name,
          resourcePatternType: ResourcePatternTypes[pattern],
          principal: `User:${user}`,
          host: '*',
          operation: AclOperations[op],
          permissionType: AclPermissionTypes.ALLOW,
        })),
      ),
    });
    await admin.createTopics({ topics: [`${P}-data`], partitions: 1, replicas: 1 });
  } finally {
    await admin.close();
  }
}, 200_000);

afterAll(async () => {
  await herder?.stop().catch(() => {});
  for (const log of opened) await log.close().catch(() => {});
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('missing ACLs', () => {
  it('a user with every ACL appends and reads back (the grants below differ by one ACL each)', async () => {
    const log = await open('granted');
    const [position] = await log.append([record(`${P}-granted-data`)]);
    const read = await log.read(`${P}-granted-data`, 0, position!.offset, 10);
    expect(read.map((r) => Buffer.from(r.value!).toString())).toEqual(['v']);
  });

  it('WRITE on the topic: the append fails at once naming Topic, name, WRITE and the principal', async () => {
    const log = await open('nowrite');
    const e = authorizationError(await rejection(log.append([record(`${P}-data`)])));
    expect(e.code).toBe('seam.log.not_authorized');
    expect(e.retriable).toBe(false);
    expect([e.resourceType, e.resourceName, e.operation, e.principal]).toEqual([
      'Topic',
      `${P}-data`,
      'WRITE',
      'User:nowrite',
    ]);
    expect(e.message).toContain(`User:nowrite lacks WRITE on Topic ${P}-data`);
    expect(e.message).toContain('sasl.jaas.config');
    expect(shouldAutoRestart(e)).toBe(false);
    expect((await log.bounds(`${P}-data`, 0)).end).toBe(0);
  });

  it('WRITE on the transactional id: names TransactionalId <group.id>-<worker id> and group.id', async () => {
    const log = await open('notxn');
    const e = authorizationError(await rejection(log.append([record(`${P}-data`)])));
    expect([e.resourceType, e.resourceName, e.operation, e.principal]).toEqual([
      'TransactionalId',
      `${P}-notxn-w1`,
      'WRITE',
      'User:notxn',
    ]);
    expect(e.message).toContain('group.id');
    expect(e.message).toContain('--transactional-id acl-notxn-w1');
  });

  it('READ on the consumer group: the sink-side poll fails naming Group, name and READ', async () => {
    const log = await open('nogroup');
    const consumer = log.consumer({
      group: `${P}-group`,
      subscription: { topics: [`${P}-data`] },
      listener: { onPartitionsAssigned: () => {}, onPartitionsRevoked: () => {} },
    });
    const error = await rejection(
      (async () => {
        // A member answers an empty poll while it joins; the refusal comes with the join.
        for (let i = 0; i < 60; i++) await consumer.poll(10, 500);
      })(),
    );
    await consumer.close().catch(() => {});
    const e = authorizationError(error);
    expect([e.resourceType, e.resourceName, e.operation, e.principal]).toEqual([
      'Group',
      `${P}-group`,
      'READ',
      'User:nogroup',
    ]);
    expect(e.message).toContain('consumer.override.group.id');
  });

  it('CREATE on the cluster: the worker does not start, naming the internal topic and CREATE', async () => {
    const error = await rejection(open('nocreate'));
    expect(error).toBeInstanceOf(ConnectError);
    const e = authorizationError(error);
    expect([e.resourceType, e.resourceName, e.operation, e.principal]).toEqual([
      'Topic',
      `${P}-nocreate-offsets`,
      'CREATE',
      'User:nocreate',
    ]);
    expect((error as Error).message).toContain('CREATE on the Cluster also allows it');
  });

  it('a source task without WRITE on its topic is FAILED with the ACL named, not restarted', async () => {
    herder = await startStandalone({
      dataDir: join(dir, 'worker'),
      workerId: 'w2',
      workerConfig: {
        ...workerConfig('nowrite'),
        'group.id': `${P}-nowrite-worker`,
        'offset.storage.topic': `${P}-nowrite-offsets`,
        'config.storage.topic': `${P}-nowrite-configs`,
        'status.storage.topic': `${P}-nowrite-status`,
        'exactly.once.source.support': 'enabled',
      },
      registry: testRegistry(),
      logger,
    });
    await herder.putConnectorConfig(
      'seq',
      { 'connector.class': 'test.SeqSource', topic: `${P}-data`, count: '10', batch: '5' },
      { allowReplace: false },
    );
    const h = herder;
    const failed = await eventually(async () => {
      const task = (await h.connectorStatus('seq')).tasks[0];
      return task?.state === 'FAILED' ? task : undefined;
    }, 60_000);
    // The offsets topic of the same transaction is writable: the error names only the refused topic.
    expect(failed.trace).toContain(`User:nowrite lacks WRITE on Topic ${P}-data. Grant it`);
  });
});
