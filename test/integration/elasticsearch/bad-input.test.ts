import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  DebeziumNames,
  RetriableError,
  SchemaBuilder,
  Schemas,
} from '../../../src/api/index.ts';
import { requireServer } from '../../helpers/servers.ts';
import { envelope, sinkRecord } from '../../unit/elasticsearch/records.ts';
import { documents, dropIndices, es, startTask, write } from './harness.ts';

const topic = `seam-it-bad-${process.pid}`;

/** A local HTTP server answering every request with one status and body (what a real server cannot be made to do). */
async function fakeServer(
  status: number,
  body: object,
  headers: Record<string, string> = {},
): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

beforeAll(async () => {
  await requireServer('elasticsearch');
  await dropIndices(topic);
});

afterAll(async () => {
  await dropIndices(topic);
  await es.close();
});

describe('Elasticsearch sink: bad input', () => {
  it('an unreachable URL is a retriable error naming the problem', async () => {
    const err = await startTask({ 'connection.url': 'http://127.0.0.1:1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetriableError);
    expect(String(err)).toMatch(/Elasticsearch unreachable during connecting/);
  });

  it('a URL that is not Elasticsearch, and refused credentials, are configuration errors', async () => {
    const notEs = await fakeServer(200, { hello: 'world' });
    const denied = await fakeServer(
      401,
      { error: { type: 'security_exception', reason: 'unable to authenticate user [seam]' } },
      { 'x-elastic-product': 'Elasticsearch' },
    );
    try {
      const e1 = await startTask({ 'connection.url': notEs.url }).catch((e: unknown) => e);
      expect(e1).toBeInstanceOf(ConfigError);
      expect(String(e1)).toMatch(/not Elasticsearch/);
      const e2 = await startTask({
        'connection.url': denied.url,
        'connection.username': 'seam',
        'connection.password': 'wrong',
      }).catch((e: unknown) => e);
      expect(e2).toBeInstanceOf(ConfigError);
      expect(String(e2)).toMatch(/refused the credentials \(401\).*unable to authenticate/);
    } finally {
      notEs.close();
      denied.close();
    }
  });

  it('an upper-case index in topic.to.external.resource.mapping fails at start with the rule', async () => {
    const err = await startTask({ 'topic.to.external.resource.mapping': `${topic}:Orders` }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(String(err)).toMatch(/'.*:Orders' is refused: it contains upper-case letters/);
  });

  it('sends records it cannot write to the dead-letter queue with the reason, and writes the rest', async () => {
    const schema = SchemaBuilder.struct()
      .field('id', Schemas.INT32)
      .field('amount', Schemas.INT64)
      .field('at', SchemaBuilder.int64().name(DebeziumNames.MICRO_TIMESTAMP).build())
      .build();
    const { task, seen } = await startTask({});
    const good = (id: number, offset: number) =>
      sinkRecord({
        topic,
        key: id,
        offset,
        valueSchema: schema,
        value: { id, amount: 10, at: 1_700_000_000_000_000 },
      });
    await write(task, [
      good(1, 0),
      sinkRecord({ topic, key: [1, 2], offset: 1, value: { id: 9 } }),
      sinkRecord({ topic, key: 3, offset: 2, value: 'not a document' }),
      sinkRecord({ topic, key: 4, offset: 3, value: { id: 4, amount: 'lots', at: 'yesterday' } }),
      sinkRecord({ topic: 'orders*', key: 5, offset: 4, value: { id: 5 } }),
      good(6, 5),
    ]);
    const reasons = seen.deadLetters.map((d) => `${d.record.kafkaOffset}: ${d.error.message}`);
    expect(reasons).toHaveLength(4);
    expect(reasons[0]).toMatch(/^1: record key of type array cannot be turned into a document id/);
    expect(reasons[1]).toMatch(/^2: record value is a string, not a struct or JSON object/);
    expect(reasons.find((r) => r.startsWith('3:'))).toMatch(
      /refused the document .*mapper_parsing_exception.*amount/,
    );
    expect(reasons.find((r) => r.startsWith('4:'))).toMatch(/refuses index name 'orders\*'.*contains '\*'/);
    expect((await documents(topic)).map((d) => d.id)).toEqual(['1', '6']);
    const mapping = await es.indices.getMapping({ index: topic });
    expect(mapping[topic]?.mappings.properties).toMatchObject({
      amount: { type: 'long' },
      at: { type: 'date' },
      id: { type: 'integer' },
    });
    expect((await documents(topic))[0]?.source).toEqual({
      id: 1,
      amount: 10,
      at: '2023-11-14T22:13:20.000000Z',
    });
    await task.stop();
  });

  it('without a dead-letter queue, an unconvertible record fails the put unless drop.invalid.message', async () => {
    const strict = await startTask({}, false);
    await expect(strict.task.put([sinkRecord({ topic, key: { a: [1] }, value: { id: 1 } })])).rejects.toThrow(
      /key field 'a' is array/,
    );
    await strict.task.stop();
    const lenient = await startTask({ 'drop.invalid.message': 'true' }, false);
    await write(lenient.task, [sinkRecord({ topic, key: { a: [1] }, value: { id: 1 } })]);
    expect(lenient.seen.details.get('counters')).toMatchObject({ recordsInvalid: 1 });
    await lenient.task.stop();
  });

  it('records without source position are ordered by log offset and the status says so', async () => {
    const { task, seen } = await startTask({});
    await write(task, [sinkRecord({ topic, key: 8, offset: 42, value: { id: 8, amount: 1, at: 0 } })]);
    expect(seen.details.get('versionFallback')).toEqual({ [topic]: 'offset' });
    await write(task, [
      sinkRecord({ topic, key: 9, offset: 43, value: envelope('c', { id: 9, amount: 1, at: 0 }, 77) }),
    ]);
    expect((await documents(topic)).find((d) => d.id === '9')?.version).toBe(77);
    await task.stop();
  });
});
