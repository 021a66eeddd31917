import { describe, expect, it } from 'vitest';
import { datagenSource } from '../../../connectors/datagen/index.ts';
import { builtinConnectors } from '../../../connectors/index.ts';
import type { SourceOffset, SourceRecord } from '../../../src/api/index.ts';
import { JsonConverter } from '../../../src/log/converters/index.ts';
import { jsonConverterConfig } from '../../../src/log/converters/json-converter.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { commitAll, fakeSourceContext } from './fake-context.ts';

const base = {
  'kafka.topic': 'users',
  quickstart: 'users',
  'max.interval': '0',
  'batch.size': '10',
  seed: '7',
};

async function taskConfigs(config: Record<string, string>, maxTasks = 1) {
  const connector = datagenSource.createConnector();
  await connector.start(config, {
    connectorName: 'test',
    logger: fakeSourceContext().context.logger,
    raiseError() {},
    requestTaskReconfiguration() {},
  });
  return connector.taskConfigs(maxTasks);
}

async function run(config: Record<string, string>, committed = new Map<string, SourceOffset>(), polls = 3) {
  const [taskConfig] = await taskConfigs(config);
  const task = datagenSource.createTask();
  const { context } = fakeSourceContext(committed);
  await task.start(taskConfig!, context);
  const out: SourceRecord[] = [];
  for (let i = 0; i < polls; i++) out.push(...((await task.poll()) ?? []));
  await task.stop();
  return out;
}

describe('datagen source', () => {
  it('is registered under its Seam and Confluent class names', () => {
    const registry = new PluginRegistry(builtinConnectors());
    expect(registry.find('io.confluent.kafka.connect.datagen.DatagenConnector')).toBe(datagenSource);
    expect(registry.find('DatagenConnector')).toBe(datagenSource);
  });

  it('generates Confluent-shaped users, pageviews and orders with a schema, a string key and seq', async () => {
    const users = await run(base, new Map(), 1);
    expect(users).toHaveLength(10);
    const u = users[0]!;
    expect(u.valueSchema?.fields?.map((f) => `${f.name}:${f.schema.type}`)).toEqual([
      'registertime:int64',
      'userid:string',
      'regionid:string',
      'gender:string',
      'seq:int64',
    ]);
    expect(u.value).toMatchObject({
      userid: expect.stringMatching(/^User_\d$/),
      regionid: expect.stringMatching(/^Region_\d$/),
      seq: 0,
    });
    expect(u.key).toBe((u.value as { userid: string }).userid);
    expect(u.sourcePartition).toEqual({ task: 0 });
    expect(users.map((r) => r.sourceOffset)).toEqual(users.map((_, i) => ({ sequence: i })));

    const orders = await run({ ...base, quickstart: 'orders' }, new Map(), 1);
    const o = orders[3]!.value as Record<string, unknown>;
    expect(o).toMatchObject({
      orderid: 3,
      seq: 3,
      itemid: expect.stringMatching(/^Item_/),
      address: { city: expect.stringMatching(/^City_/) },
    });
    expect(typeof o.orderunits).toBe('number');
    const pv = (await run({ ...base, quickstart: 'pageviews' }, new Map(), 1))[0]!;
    expect(pv.value).toMatchObject({ viewtime: 1, pageid: expect.stringMatching(/^Page_\d+$/) });

    // The schema and values pass Kafka's JsonConverter shape checks.
    const json = new JsonConverter(jsonConverterConfig.parse({}));
    for (const r of [u, orders[0]!, pv])
      expect(json.toConnectData('t', json.fromConnectData('t', r.valueSchema, r.value)).value).toEqual(
        r.value,
      );
  });

  it('is deterministic: same seed, same records; another seed, other records', async () => {
    const a = await run(base);
    const b = await run(base);
    expect(b.map((r) => r.value)).toEqual(a.map((r) => r.value));
    const c = await run({ ...base, seed: '8' });
    expect(c.map((r) => r.value)).not.toEqual(a.map((r) => r.value));
  });

  it('continues exactly after the committed sequence on restart, regenerating identical records', async () => {
    const all = await run(base, new Map(), 3);
    const committed = new Map<string, SourceOffset>();
    const first = await run(base, committed, 1);
    commitAll(committed, first.slice(0, 7)); // the last 3 records were not committed before the "crash"
    const second = await run(base, committed, 2);
    expect(second[0]!.sourceOffset).toEqual({ sequence: 7 });
    expect([...first.slice(0, 7), ...second].map((r) => r.value)).toEqual(
      all.slice(0, 27).map((r) => r.value),
    );
  });

  it('stops after iterations and splits work by tasks.max', async () => {
    const records = await run({ ...base, iterations: '15' }, new Map(), 2);
    expect(records.map((r) => (r.value as { seq: number }).seq)).toEqual([...Array(15).keys()]);
    const configs = await taskConfigs(base, 3);
    expect(configs).toHaveLength(3);
    const streams = await Promise.all(
      configs.map(async (tc, i) => {
        const task = datagenSource.createTask();
        await task.start(tc, fakeSourceContext(new Map(), i).context);
        const batch = (await task.poll())!;
        await task.stop();
        return batch;
      }),
    );
    expect(streams.map((s) => s[0]!.sourcePartition)).toEqual([{ task: 0 }, { task: 1 }, { task: 2 }]);
    expect(streams[0]!.map((r) => r.value)).not.toEqual(streams[1]!.map((r) => r.value));
  });

  it('returns null promptly when stopped during a max.interval wait', async () => {
    const [tc] = await taskConfigs({ ...base, 'max.interval': '60000' });
    const task = datagenSource.createTask();
    const { context, controller } = fakeSourceContext();
    await task.start(tc!, context);
    const pending = task.poll();
    controller.abort();
    expect(await pending).toBeNull();
  });
});
