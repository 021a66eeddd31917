import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSink, fileSource } from '../../../connectors/file/index.ts';
import { builtinConnectors } from '../../../connectors/index.ts';
import { Schemas, type SinkRecord, type SourceOffset } from '../../../src/api/index.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { commitAll, fakeSinkContext, fakeSourceContext } from './fake-context.ts';

const dir = mkdtempSync(join(tmpdir(), 'seam-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function startSource(file: string, committed = new Map<string, SourceOffset>(), batch = '100') {
  const task = fileSource.createTask();
  const { context, controller } = fakeSourceContext(committed);
  await task.start({ file, topic: 'lines', 'batch.size': batch }, context);
  return { task, controller };
}

describe('file source', () => {
  it('is registered under the Kafka class names', () => {
    const registry = new PluginRegistry(builtinConnectors());
    expect(registry.find('FileStreamSource')).toBe(fileSource);
    expect(registry.find('org.apache.kafka.connect.file.FileStreamSinkConnector')).toBe(fileSink);
  });

  it('reads lines with byte positions, follows growth and waits for a line to end', async () => {
    const file = join(dir, 'in.txt');
    writeFileSync(file, 'héllo\r\nworld\npart');
    const { task } = await startSource(file);
    const first = (await task.poll())!;
    expect(first.map((r) => r.value)).toEqual(['héllo', 'world']);
    expect(first[0]).toMatchObject({
      topic: 'lines',
      valueSchema: Schemas.STRING,
      sourcePartition: { filename: file },
    });
    expect(first.map((r) => r.sourceOffset)).toEqual([{ position: 8 }, { position: 14 }]);
    appendFileSync(file, 'ial\nnext\n');
    const second = (await task.poll())!;
    expect(second.map((r) => r.value)).toEqual(['partial', 'next']);
    expect(second.at(-1)!.sourceOffset).toEqual({
      position: Buffer.byteLength('héllo\r\nworld\npartial\nnext\n'),
    });
    await task.stop();
  });

  it('resumes after the committed position and honours batch.size', async () => {
    const file = join(dir, 'resume.txt');
    writeFileSync(file, 'a\nb\nc\nd\n');
    const committed = new Map<string, SourceOffset>();
    const one = await startSource(file, committed, '2');
    const batch = (await one.task.poll())!;
    expect(batch.map((r) => r.value)).toEqual(['a', 'b']);
    commitAll(committed, batch.slice(0, 1));
    await one.task.stop();
    const two = await startSource(file, committed);
    expect(((await two.task.poll()) ?? []).map((r) => r.value)).toEqual(['b', 'c', 'd']);
    await two.task.stop();
  });

  it('rereads a truncated file and returns null promptly when stopped', async () => {
    const file = join(dir, 'trunc.txt');
    writeFileSync(file, 'one\ntwo\n');
    const { task, controller } = await startSource(file);
    expect((await task.poll())!.map((r) => r.value)).toEqual(['one', 'two']);
    truncateSync(file, 0);
    writeFileSync(file, 'x\n');
    expect(((await task.poll()) ?? []).map((r) => r.value)).toEqual(['x']);
    const pending = task.poll();
    controller.abort();
    expect(await pending).toBeNull();
    await task.stop();
  });
});

describe('file sink', () => {
  const record = (value: unknown, offset: number): SinkRecord => ({
    topic: 't',
    kafkaPartition: 0,
    kafkaOffset: offset,
    timestampType: 'CreateTime',
    originalTopic: 't',
    originalKafkaPartition: 0,
    originalKafkaOffset: offset,
    keySchema: null,
    key: null,
    valueSchema: null,
    value,
    timestamp: null,
    headers: [],
  });

  it('writes one line per value (JSON for structures) and makes them durable on flush', async () => {
    const file = join(dir, 'out.txt');
    const task = fileSink.createTask();
    await task.start({ file, topics: 't' }, fakeSinkContext());
    await task.put([
      record('plain line', 0),
      record({ id: 2n ** 63n - 1n, price: { unscaled: -150n, scale: 2 }, b: new Uint8Array([1]) }, 1),
      record(null, 2),
      record([1, 'x'], 3),
    ]);
    await task.flush!(new Map());
    expect(readFileSync(file, 'utf8')).toBe(
      'plain line\n{"id":9223372036854775807,"price":-1.50,"b":"AQ=="}\nnull\n[1,"x"]\n',
    );
    await task.put([record('more', 4)]);
    await task.stop();
    expect(readFileSync(file, 'utf8').endsWith('more\n')).toBe(true);
  });
  it('cuts a torn trailing line left by a crash before appending', async () => {
    const file = join(dir, 'torn.txt');
    writeFileSync(file, '{"seq":1}\n{"seq":2}\n{"se');
    const task = fileSink.createTask();
    await task.start({ file, topics: 't' }, fakeSinkContext());
    await task.put([record({ seq: 3 }, 3)]);
    await task.stop();
    expect(readFileSync(file, 'utf8')).toBe('{"seq":1}\n{"seq":2}\n{"seq":3}\n');
  });
});
