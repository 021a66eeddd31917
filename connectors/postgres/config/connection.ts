import { atLeast, configSpec, nonEmpty, oneOf } from '../../../src/api/index.ts';

/** Where and how to connect: host, credentials, TLS, timeouts. */

const CONNECTION = 'Connection';

export const connectionSpec = configSpec()
  .define({
    name: 'database.hostname',
    type: 'string',
    required: true,
    importance: 'high',
    group: CONNECTION,
    doc: 'Host name or address of the PostgreSQL server.',
    validator: nonEmpty(),
  })
  .define({
    name: 'database.port',
    type: 'int',
    default: 5432,
    importance: 'high',
    group: CONNECTION,
    doc: 'Port of the PostgreSQL server.',
  })
  .define({
    name: 'database.user',
    type: 'string',
    required: true,
    importance: 'high',
    group: CONNECTION,
    doc: 'User with REPLICATION and SELECT on the captured tables.',
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
    name: 'database.dbname',
    type: 'string',
    required: true,
    importance: 'high',
    group: CONNECTION,
    doc: 'Database to capture.',
  })
  .define({
    name: 'database.sslmode',
    type: 'string',
    default: 'prefer',
    group: CONNECTION,
    doc: 'disable, allow, prefer, require, verify-ca or verify-full.',
    validator: oneOf(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']),
  })
  .define({
    name: 'database.sslrootcert',
    type: 'string',
    default: null,
    group: CONNECTION,
    doc: 'File with the root certificate(s) to verify the server against.',
  })
  .define({
    name: 'database.sslcert',
    type: 'string',
    default: null,
    group: CONNECTION,
    doc: 'Client certificate file.',
  })
  .define({
    name: 'database.sslkey',
    type: 'string',
    default: null,
    group: CONNECTION,
    doc: 'Client private key file.',
  })
  .define({
    name: 'database.tcpKeepAlive',
    type: 'boolean',
    default: true,
    group: CONNECTION,
    doc: 'Enable TCP keep-alive on database connections.',
  })
  .define({
    name: 'database.initial.statements',
    type: 'string',
    default: null,
    group: CONNECTION,
    doc: 'Semicolon-separated SQL run on every new query connection (not the replication connection).',
  })
  .define({
    name: 'connect.timeout.ms',
    type: 'long',
    default: 30000,
    group: CONNECTION,
    doc: 'Timeout for establishing a connection.',
    validator: atLeast(1),
  });
