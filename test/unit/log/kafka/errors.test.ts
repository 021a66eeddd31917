import { describe, expect, it } from 'vitest';
import { FatalError, RetriableError } from '../../../../src/api/errors.ts';
import { classifyKafkaError, isFencingError, KafkaFencedError } from '../../../../src/log/kafka/errors.ts';

// The shapes the two clients throw, reduced to the fields classification reads.
const plt = (code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(code), { code, ...extra });
const multiple = (...errors: Error[]) =>
  Object.assign(new AggregateError(errors, 'failed 4 times.'), { code: 'PLT_KFK_MULTIPLE' });

describe('classifyKafkaError', () => {
  it('turns a fencing answer into KafkaFencedError for a transactional call only', () => {
    const fenced = multiple(plt('PLT_KFK_PROTOCOL', { apiId: 'PRODUCER_FENCED', canRetry: false }));
    const e = classifyKafkaError(fenced, { transactionalId: 'tx-1', what: 'commit' });
    expect(e).toBeInstanceOf(KafkaFencedError);
    expect((e as KafkaFencedError).code).toBe('seam.log.fenced');
    expect(isFencingError(Object.assign(new Error('x'), { type: 'INVALID_PRODUCER_EPOCH' }))).toBe(true);
    expect(classifyKafkaError(fenced, { what: 'admin' })).not.toBeInstanceOf(KafkaFencedError);
  });

  it('makes network failures retriable and names bootstrap.servers', () => {
    const e = classifyKafkaError(multiple(plt('PLT_KFK_NETWORK', { canRetry: true })), { what: 'begin' });
    expect(e).toBeInstanceOf(RetriableError);
    expect((e as RetriableError).code).toBe('seam.log.unavailable');
    expect(e.message).toMatch(/bootstrap\.servers/);
    const js = Object.assign(new Error('Connection error'), {
      name: 'KafkaJSConnectionError',
      retriable: true,
    });
    expect(classifyKafkaError(js, { what: 'send' })).toBeInstanceOf(RetriableError);
  });

  it('makes a failed SASL handshake fatal even inside a network error, naming sasl.jaas.config', () => {
    const auth = multiple(plt('PLT_KFK_NETWORK', { canRetry: true, cause: plt('PLT_KFK_AUTHENTICATION') }));
    const e = classifyKafkaError(auth, { what: 'list topics' });
    expect(e).toBeInstanceOf(FatalError);
    expect(e.message).toMatch(/sasl\.jaas\.config/);
  });

  it('makes missing ACLs fatal and leaves unknown errors fatal', () => {
    const acl = plt('PLT_KFK_PROTOCOL', { apiId: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED' });
    expect(classifyKafkaError(acl, { transactionalId: 't', what: 'begin' })).toBeInstanceOf(FatalError);
    expect(classifyKafkaError(acl, { transactionalId: 't', what: 'begin' })).not.toBeInstanceOf(
      KafkaFencedError,
    );
    expect(classifyKafkaError(new TypeError('bug'), { what: 'x' })).toBeInstanceOf(FatalError);
  });

  it("keeps the broker's own explanation in the message", () => {
    const invalid = multiple(
      plt('PLT_KFK_PROTOCOL', {
        apiId: 'INVALID_CONFIG',
        serverErrorMessage:
          'Invalid value 2000 for configuration segment.bytes: Value must be at least 1048576',
      }),
    );
    expect(classifyKafkaError(invalid, { what: 'create topic t' }).message).toContain(
      '(the broker said: Invalid value 2000 for configuration segment.bytes',
    );
  });
});
