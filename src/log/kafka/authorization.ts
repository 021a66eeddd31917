/**
 * Kafka's authorization errors turned into one error that names the missing ACL. The broker's answer
 * (TOPIC_AUTHORIZATION_FAILED, …) names neither the resource nor the operation nor the principal, and a
 * retry cannot help until an operator grants the ACL: so the error is fatal with its own code (the task
 * stays FAILED instead of restarting in a loop), and carries what to grant, taken from what the request
 * touched (the caller's {@link AclHints}) and who sent it ({@link KafkaIdentity}).
 */
import { FatalError } from '../../api/errors.ts';
import type { KafkaConnectionOptions } from './kafka-config.ts';

export type AclResourceType = 'Topic' | 'Group' | 'TransactionalId' | 'Cluster';

/** Who the broker sees and where, for the error text. */
export interface KafkaIdentity {
  /** `User:<sasl username>`; `User:ANONYMOUS` without SASL (no client certificates in Seam yet). */
  readonly principal: string;
  readonly bootstrapServers: string;
}

export function kafkaIdentity(options: KafkaConnectionOptions): KafkaIdentity {
  return {
    principal: options.sasl === null ? 'User:ANONYMOUS' : `User:${options.sasl.username}`,
    bootstrapServers: options.brokers.join(','),
  };
}

/** The resources a request touched, with the operation it needed on each (Kafka's operation names). */
export interface AclHints {
  readonly topics?: readonly string[];
  readonly topicOperation?: string;
  readonly group?: string;
  readonly groupOperation?: string;
  readonly clusterOperation?: string;
}

/** Broker error name → the resource type it is about. */
const RESOURCE_OF: Readonly<Record<string, AclResourceType>> = {
  TOPIC_AUTHORIZATION_FAILED: 'Topic',
  GROUP_AUTHORIZATION_FAILED: 'Group',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'TransactionalId',
  CLUSTER_AUTHORIZATION_FAILED: 'Cluster',
};

/** Which Seam setting decides the resource's name, so the operator can fix either side. */
const SETTING_OF: Readonly<Record<AclResourceType, string>> = {
  Topic:
    "the connector's topic settings (and the worker's offset.storage.topic, config.storage.topic, status.storage.topic)",
  Group: 'consumer.override.group.id (default connect-<connector>)',
  TransactionalId:
    'group.id: transactional ids are <group.id>-<connector>-<task> with exactly.once.source.support=enabled, else <group.id>-<worker id>; grant a PREFIXED ACL on <group.id>-',
  Cluster: 'the worker login (sasl.jaas.config)',
};

/** Not authorized: the principal lacks `operation` on the resource. Fatal, `seam.log.not_authorized`. */
export class KafkaAuthorizationError extends FatalError {
  readonly resourceType: AclResourceType;
  /** null when the request touched several resources of the type and the broker did not say which. */
  readonly resourceName: string | null;
  readonly operation: string;
  readonly principal: string;
  constructor(
    acl: { resourceType: AclResourceType; resourceName: string | null; operation: string },
    identity: KafkaIdentity | undefined,
    what: string,
    cause: unknown,
  ) {
    const principal = identity?.principal ?? 'the worker';
    const name = acl.resourceName ?? '(one of the resources of the request)';
    const option =
      acl.resourceType === 'Cluster'
        ? '--cluster'
        : `--${acl.resourceType === 'TransactionalId' ? 'transactional-id' : acl.resourceType.toLowerCase()} ${acl.resourceName?.includes(' ') === false ? acl.resourceName : '<name>'}`;
    const tool = `kafka-acls.sh --bootstrap-server ${identity?.bootstrapServers ?? '<bootstrap.servers>'} --add --allow-principal ${principal} --operation ${toolOperation(acl.operation)} ${option}`;
    const alsoCluster =
      acl.resourceType === 'Topic' && acl.operation === 'CREATE'
        ? ' (CREATE on the Cluster also allows it)'
        : '';
    super(
      `${what}: not authorized: ${principal} lacks ${acl.operation} on ${acl.resourceType} ${name}${alsoCluster}. ` +
        `Grant it (${tool}), or change ${SETTING_OF[acl.resourceType]}; the principal is the login of sasl.jaas.config`,
      { code: 'seam.log.not_authorized', cause },
    );
    this.resourceType = acl.resourceType;
    this.resourceName = acl.resourceName;
    this.operation = acl.operation;
    this.principal = principal;
  }
}

/** kafka-acls.sh spells operations as in its docs: WRITE → Write, IDEMPOTENT_WRITE → IdempotentWrite. */
function toolOperation(operation: string): string {
  return operation
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

const camel = (snake: string) => snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The topics a response refused by name: @platformatic/kafka gives each per-topic error the path of its
 * entry in the response (`/results_by_transaction/0/topic_results/1/…`, `/topics/0`); the entry's `name`
 * is the topic. A transaction's send touches the offsets topic too, and only this says which one failed.
 */
export function refusedTopics(error: unknown, depth = 0, outer?: unknown): string[] {
  if (depth > 4 || typeof error !== 'object' || error === null) return [];
  const e = error as {
    apiId?: unknown;
    path?: unknown;
    response?: unknown;
    errors?: unknown;
    cause?: unknown;
  };
  // The response hangs on the aggregate of a response's errors, not on each of them.
  const response = e.response ?? outer;
  const out: string[] = [];
  if (e.apiId === 'TOPIC_AUTHORIZATION_FAILED' && typeof e.path === 'string') {
    let at: unknown = response;
    let name: string | null = null;
    const parts = e.path.split('/').filter((p) => p !== '');
    for (let i = 0; i + 1 < parts.length && typeof at === 'object' && at !== null; i += 2) {
      const list = (at as Record<string, unknown>)[camel(parts[i]!)];
      at = Array.isArray(list) ? list[Number(parts[i + 1])] : undefined;
      const n = (at as { name?: unknown } | undefined)?.name;
      if (typeof n === 'string') name = n;
    }
    if (name !== null) out.push(name);
  }
  if (Array.isArray(e.errors)) for (const x of e.errors) out.push(...refusedTopics(x, depth + 1, response));
  out.push(...refusedTopics(e.cause, depth + 1));
  return [...new Set(out)];
}

/** The missing ACL an authorization error means, or null when `names` carry none. */
export function missingAcl(
  names: readonly string[],
  hints: AclHints & { transactionalId?: string },
  error?: unknown,
): { resourceType: AclResourceType; resourceName: string | null; operation: string } | null {
  const found = names.find((n) => RESOURCE_OF[n] !== undefined);
  if (found === undefined) return null;
  const resourceType = RESOURCE_OF[found]!;
  switch (resourceType) {
    case 'Topic': {
      const refused = refusedTopics(error);
      const topics = refused.length > 0 ? refused : [...new Set(hints.topics ?? [])];
      return {
        resourceType,
        resourceName: topics.length === 1 ? topics[0]! : topics.length > 1 ? topics.join(' or ') : null,
        operation: hints.topicOperation ?? 'DESCRIBE',
      };
    }
    case 'Group':
      return {
        resourceType,
        resourceName: hints.group ?? null,
        operation: hints.groupOperation ?? 'READ',
      };
    case 'TransactionalId':
      return { resourceType, resourceName: hints.transactionalId ?? null, operation: 'WRITE' };
    case 'Cluster':
      return { resourceType, resourceName: 'kafka-cluster', operation: hints.clusterOperation ?? 'ALTER' };
  }
}
