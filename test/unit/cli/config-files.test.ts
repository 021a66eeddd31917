import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConnectorFile, readWorkerConfig } from '../../../src/cli/config-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'seam-config-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('config files', () => {
  it('reads a worker config written as Kafka Connect writes connect-standalone.properties', () => {
    const path = file(
      'connect-standalone.properties',
      [
        '# Kafka Connect worker',
        'bootstrap.servers=localhost:9092',
        'listeners = http://127.0.0.1:18083',
        'offset.flush.interval.ms: 10000',
        'config.providers=file',
        'config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider',
        'plugin.path=/usr/share/java,\\',
        '    /opt/connectors',
      ].join('\n'),
    );
    expect(readWorkerConfig(path)).toEqual({
      'bootstrap.servers': 'localhost:9092',
      listeners: 'http://127.0.0.1:18083',
      'offset.flush.interval.ms': '10000',
      'config.providers': 'file',
      'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
      'plugin.path': '/usr/share/java,/opt/connectors',
    });
  });

  it('reads a connector .properties file (flat, with name) like the JSON forms', () => {
    const path = file(
      'file-sink.properties',
      'name=local-file-sink\nconnector.class=FileStreamSink\ntasks.max=1\nfile=/tmp/out.txt\ntopics=connect-test\n',
    );
    expect(readConnectorFile(path)).toEqual({
      path,
      name: 'local-file-sink',
      config: {
        name: 'local-file-sink',
        'connector.class': 'FileStreamSink',
        'tasks.max': '1',
        file: '/tmp/out.txt',
        topics: 'connect-test',
      },
    });
  });

  it('names a .properties connector file without a name, and still reads JSON as JSON', () => {
    expect(() => readConnectorFile(file('nameless.properties', 'connector.class=FileStreamSink\n'))).toThrow(
      /nameless.properties: the connector has no "name"/,
    );
    expect(() => readWorkerConfig(file('worker.json', 'bootstrap.servers=x'))).toThrow(/invalid JSON/);
    expect(readWorkerConfig(file('worker2.json', '{"rest.port": 8084}'))).toEqual({ 'rest.port': '8084' });
  });
});
