import { atLeast, between, configSpec, nonEmpty, oneOf } from '../../../src/api/index.ts';

/** Where and how to connect, and the replica identity the binlog client presents. */

const CONNECTION = 'Connection';

export const connectionSpec = configSpec()
  .define({
    name: 'database.hostname',
    type: 'string',
    required: true,
    importance: 'high',
    group: CONNECTION,
    doc: 'Host name or address of the MySQL or MariaDB server.',
    validator: nonEmpty(),
  })
  .define({
    name: 'database.port',
    type: 'int',
    default: 3306,
    importance: 'high',
    group: CONNECTION,
    doc: 'Port of the server.',
    validator: between(1, 65535),
  })
  .define({
    name: 'database.user',
    type: 'string',
    required: true,
    importance: 'high',
    group: CONNECTION,
    doc: 'User with REPLICATION SLAVE, REPLICATION CLIENT and SELECT (RELOAD for minimal snapshot locking).',
    validator: nonEmpty(),
  })
  .define({
    name: 'database.password',
    type: 'password',
    default: null,
    importance: 'high',
    group: CONNECTION,
    doc: 'Password of database.user; never logged or returned by REST.',
  })
  .define({
    name: 'database.server.id',
    type: 'long',
    required: true,
    importance: 'high',
    group: CONNECTION,
    doc: 'Replica server id of the binlog client; unique among the replicas of the server and different from its own server_id.',
    validator: between(1, 4294967295),
  })
  .define({
    name: 'database.ssl.mode',
    type: 'string',
    default: 'preferred',
    group: CONNECTION,
    doc: 'disabled, preferred, required, verify_ca or verify_identity.',
    validator: oneOf(['disabled', 'preferred', 'required', 'verify_ca', 'verify_identity']),
  })
  .define({
    name: 'connect.timeout.ms',
    type: 'long',
    default: 30000,
    group: CONNECTION,
    doc: 'Timeout for establishing a connection.',
    validator: atLeast(1),
  })
  .define({
    name: 'connect.keep.alive',
    type: 'boolean',
    default: true,
    group: CONNECTION,
    doc: 'Accepted for compatibility; the task reconnects through its retry with backoff.',
  })
  .define({
    name: 'database.initial.statements',
    type: 'string',
    default: null,
    group: CONNECTION,
    doc: 'Semicolon-separated SQL run on every new query connection (not the binlog connection).',
  });
