import { describe, expect, it } from 'vitest';
import { classifyCassandraError } from '../../../connectors/cassandra/errors.ts';
import { ConfigError, DataError, FatalError, RetriableError } from '../../../src/api/index.ts';

/** An error shaped as cassandra-driver raises it (its classes are matched by name, as errors.ts does). */
function driverError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  const e = new Error(message);
  e.name = name;
  return Object.assign(e, extra);
}

describe('classifyCassandraError', () => {
  it('bad credentials are a config error on auth.username (a real node refusing them: test/integration/cassandra/auth.test.ts)', () => {
    const auth = driverError('AuthenticationError', 'Provided username seam and/or password are incorrect');
    const noHost = driverError('NoHostAvailableError', 'All host(s) tried for query failed.', {
      innerErrors: { '10.0.0.1:9042': auth },
    });
    for (const error of [auth, noHost, driverError('ResponseError', 'bad', { code: 0x0100 })]) {
      const c = classifyCassandraError(error, 'connecting');
      expect(c).toBeInstanceOf(ConfigError);
      expect(c.code).toBe('seam.cassandra.auth_failed');
      expect((c as ConfigError).problems[0]!.key).toBe('auth.username');
    }
    const denied = classifyCassandraError(
      driverError('ResponseError', 'User seam has no MODIFY permission', { code: 0x2100 }),
      'a write',
    );
    expect(denied.code).toBe('seam.cassandra.auth_failed');
    expect(denied.message).toContain('no MODIFY permission');
  });

  it('timeouts, unavailable, overloaded and unreachable hosts are retriable', () => {
    for (const code of [0x1000, 0x1001, 0x1002, 0x1100, 0x1500]) {
      const c = classifyCassandraError(driverError('ResponseError', 'x', { code }), 'a write');
      expect(c).toBeInstanceOf(RetriableError);
      expect(c.code).toBe('seam.cassandra.write_timeout');
    }
    expect(classifyCassandraError(driverError('OperationTimedOutError', 't'), 'a write').retriable).toBe(
      true,
    );
    const unreachable = classifyCassandraError(
      driverError('NoHostAvailableError', 'All host(s) tried', {
        innerErrors: { a: new Error('ECONNREFUSED') },
      }),
      'connecting',
    );
    expect(unreachable.code).toBe('seam.cassandra.unreachable');
    expect(unreachable.retriable).toBe(true);
  });

  it('an invalid request or a value the driver cannot encode is the record’s problem', () => {
    expect(
      classifyCassandraError(driverError('ResponseError', 'Invalid', { code: 0x2200 }), 'w'),
    ).toBeInstanceOf(DataError);
    expect(classifyCassandraError(new TypeError('Expected Number, obtained "x"'), 'w')).toBeInstanceOf(
      DataError,
    );
  });

  it('a pool that has not reconnected yet, or a reset socket, is retriable (an outage ending)', () => {
    for (const error of [
      new Error('No connection available'),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    ]) {
      const c = classifyCassandraError(error, 'a write');
      expect(c).toBeInstanceOf(RetriableError);
      expect(c.code).toBe('seam.cassandra.unreachable');
    }
  });

  it('anything else is fatal, and Seam errors pass through', () => {
    expect(classifyCassandraError(driverError('DriverInternalError', 'bug'), 'w')).toBeInstanceOf(FatalError);
    const seam = new RetriableError('already classified');
    expect(classifyCassandraError(seam, 'w')).toBe(seam);
  });

  it('a statement on a dropped table is a DataError, whether the server says unconfigured or unknown CF', () => {
    for (const error of [
      driverError('ResponseError', 'unconfigured table items', { code: 0x2200 }),
      driverError('ResponseError', 'java.lang.IllegalArgumentException: Unknown CF bb4c0c10', {
        code: 0x0000,
      }),
    ]) {
      const c = classifyCassandraError(error, 'a write');
      expect(c).toBeInstanceOf(DataError);
    }
  });
});
