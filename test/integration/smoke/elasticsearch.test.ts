import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { requireServer, servers } from '../../helpers/servers.ts';

const client = new Client({ node: servers.elasticsearchUrl });
const index = `seam-smoke-${process.pid}`;

beforeAll(async () => {
  await requireServer('elasticsearch');
  await client.indices.create({
    index,
    settings: { number_of_replicas: 0 },
    mappings: { properties: { name: { type: 'keyword' }, n: { type: 'integer' } } },
  });
});

afterAll(async () => {
  await client.indices.delete({ index, ignore_unavailable: true });
  await client.close();
});

test('@elastic/elasticsearch bulk-indexes documents and finds one by search', async () => {
  const bulk = await client.bulk({
    refresh: 'wait_for',
    operations: [
      { index: { _index: index, _id: 'a' } },
      { name: 'alpha', n: 1 },
      { index: { _index: index, _id: 'b' } },
      { name: 'beta', n: 2 },
    ],
  });
  expect(bulk.errors).toBe(false);
  const found = await client.search<{ name: string; n: number }>({
    index,
    query: { term: { name: 'beta' } },
  });
  expect(found.hits.hits.map((hit) => [hit._id, hit._source])).toEqual([['b', { name: 'beta', n: 2 }]]);
});
