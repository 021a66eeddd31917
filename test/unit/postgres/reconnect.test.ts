import { describe, expect, it } from 'vitest';
import { parseMarker } from '../../../connectors/postgres/connection/ownership.ts';
import { Lsn } from '../../../connectors/postgres/position.ts';
import { ReconnectingStream, reconnectPolicy } from '../../../connectors/postgres/stream/reconnect.ts';
import type {
  ReplicationStream,
  StreamHandlers,
} from '../../../connectors/postgres/stream/replication-stream.ts';
import { type ConnectError, FatalError, RetriableError } from '../../../src/api/index.ts';
import { shouldAutoRestart } from '../../../src/herder/restart-backoff.ts';

/** The reconnect policy around fake streams: what is retried, from where, and when it gives up. */
class FakeStream {
  readonly from: Lsn;
  readonly handlers: StreamHandlers;
  confirmed: Lsn;
  stopped = false;
  constructor(from: Lsn, handlers: StreamHandlers) {
    this.from = from;
    this.confirmed = from;
    this.handlers = handlers;
  }
  confirm(lsn: Lsn): void {
    this.confirmed = lsn;
  }
  sendStatus(): void {}
  async stop(): Promise<void> {
    this.stopped = true;
  }
  settled(): Promise<void> {
    return Promise.resolve();
  }
  lose(error: ConnectError): void {
    this.handlers.onLost?.(error);
  }
}

function harness(options: { maxRetries?: number; timeoutMs?: number } = {}) {
  const streams: FakeStream[] = [];
  const failures: Error[] = [];
  const details: unknown[] = [];
  let reconnects = 0;
  const stream = new ReconnectingStream({
    from: Lsn.of(100),
    slot: 's',
    open: (from, handlers) => {
      const s = new FakeStream(from, handlers);
      streams.push(s);
      return s as unknown as ReplicationStream;
    },
    handlers: {
      onMessage: () => undefined,
      onKeepalive: () => {},
      onError: (e) => failures.push(e as Error),
    },
    policy: {
      ...reconnectPolicy({
        'errors.max.retries': options.maxRetries ?? -1,
        'replication.reconnect.timeout.ms': options.timeoutMs ?? 60_000,
        'retriable.restart.connector.wait.ms': 10_000,
      }),
      backoff: {
        initialMs: 1,
        maxMs: 2,
        maxAttempts:
          options.maxRetries !== undefined && options.maxRetries > 0 ? options.maxRetries : undefined,
        maxElapsedMs: options.timeoutMs ?? 60_000,
      },
    },
    hooks: { beforeReconnect: () => reconnects++, fail: (e) => failures.push(e) },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    status: { setDetail: (_k, v) => details.push(v) },
  });
  return { stream, streams, failures, details, reconnects: () => reconnects };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(check()).toBe(true);
};

describe('ReconnectingStream', () => {
  it('reopens a stream lost for a retriable cause from the last confirmed LSN', async () => {
    const h = harness();
    h.stream.confirm(Lsn.of(150));
    h.streams[0]!.lose(new RetriableError('terminating connection due to administrator command'));
    await until(() => h.streams.length === 2);
    expect(h.streams[1]!.from.compareTo(Lsn.of(150))).toBe(0);
    expect(h.reconnects()).toBe(1);
    expect(h.failures).toEqual([]);
    expect(h.details.at(-1)).toMatchObject({ state: 'reconnecting', reconnects: 1, attempts: 1 });
    h.streams[1]!.handlers.onStarted?.();
    expect(h.details.at(-1)).toMatchObject({ state: 'streaming', reconnects: 1, attempts: 0, since: null });
    await h.stream.stop();
    expect(h.streams[1]!.stopped).toBe(true);
  });

  it('a stream lost right after it started continues the outage, so the budget still bounds it', async () => {
    const h = harness({ maxRetries: 3 });
    for (let i = 0; i < 4; i++) {
      await until(() => h.streams.length === i + 1);
      h.streams[i]!.handlers.onStarted?.();
      h.streams[i]!.lose(new RetriableError('out of memory'));
    }
    expect(h.failures).toHaveLength(1);
    expect(h.failures[0]!.message).toMatch(/stayed down after 3 reconnect attempt/);
  });

  it('fails at once for what needs a person, keeping the classification', async () => {
    const h = harness();
    const gone = new FatalError('slot dropped', { code: 'seam.postgres.slot_lost' });
    h.streams[0]!.lose(gone);
    expect(h.failures).toEqual([gone]);
    expect(shouldAutoRestart(gone)).toBe(false);
    await new Promise((r) => setTimeout(r, 10));
    expect(h.streams.length).toBe(1);
  });

  it('gives up after errors.max.retries attempts of one outage, restartable by the worker', async () => {
    const h = harness({ maxRetries: 2 });
    for (let i = 0; i < 3; i++) {
      await until(() => h.streams.length === i + 1);
      h.streams[i]!.lose(new RetriableError('connection refused'));
    }
    expect(h.failures).toHaveLength(1);
    expect(h.failures[0]!.message).toMatch(/stayed down after 2 reconnect attempt/);
    expect(shouldAutoRestart(h.failures[0])).toBe(true);
  });

  it('does not reconnect with errors.max.retries=0 (the old behaviour: fail, the worker restarts)', () => {
    const h = harness({ maxRetries: 0 });
    h.streams[0]!.lose(new RetriableError('connection reset'));
    expect(h.failures).toHaveLength(1);
    expect(shouldAutoRestart(h.failures[0])).toBe(true);
    expect(h.streams).toHaveLength(1);
  });
});

describe("Seam's record on a publication", () => {
  it('is read only from a comment Seam wrote', () => {
    expect(parseMarker('seam {"v":1,"slots":{"a":{"connector":"c","created":true}}}')).toEqual({
      v: 1,
      slots: { a: { connector: 'c', created: true } },
    });
    expect(parseMarker('created by the DBA')).toBeNull();
    expect(parseMarker('seam {broken')).toBeNull();
    expect(parseMarker(null)).toBeNull();
  });
});
