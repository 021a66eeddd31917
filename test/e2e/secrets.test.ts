import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startWorker, type WorkerProcess } from '../helpers/worker-process.ts';

/**
 * Secrets never leave: a password-like value is hidden in every REST answer and log line, and a
 * `${env:…}` reference is resolved only inside the task (the REST config keeps the reference).
 */
const SECRET = 'pw-7f3a9c-never-print-me';
const dir = mkdtempSync(join(tmpdir(), 'seam-secrets-'));
const outFile = join(dir, 'out.jsonl');
let worker: WorkerProcess | undefined;
afterAll(async () => {
  await worker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('secrets', () => {
  it('are hidden in REST answers and logs, and provider references resolve only in the task', async () => {
    const port = await freePort();
    worker = await startWorker({
      dataDir: join(dir, 'data'),
      port,
      env: { SEAM_LOG_LEVEL: 'debug', SEAM_E2E_OUT_FILE: outFile },
    });
    const api = (path: string, init?: RequestInit) => fetch(`${worker!.url}${path}`, init);
    const create = await api('/connectors', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'gen',
        config: {
          'connector.class': 'io.confluent.kafka.connect.datagen.DatagenConnector',
          'kafka.topic': 'secret-test',
          'max.interval': '0',
          iterations: '20',
          'database.password': SECRET,
        },
      }),
    });
    expect(create.status).toBe(201);
    const sink = await api('/connectors', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'out',
        config: {
          'connector.class': 'FileStreamSink',
          topics: 'secret-test',
          file: '${env:SEAM_E2E_OUT_FILE}',
        },
      }),
    });
    expect(sink.status).toBe(201);
    const deadline = Date.now() + 30_000;
    while (
      !(existsSync(outFile) && readFileSync(outFile, 'utf8').split('\n').length > 20) &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(outFile, 'utf8').split('\n').length).toBeGreaterThan(20);

    const answers = await Promise.all(
      [
        '/connectors/gen',
        '/connectors/gen/config',
        '/connectors/gen/tasks',
        '/connectors?expand=info&expand=status',
        '/connectors/gen/status',
      ].map(async (p) => (await api(p)).text()),
    );
    for (const text of answers) expect(text).not.toContain(SECRET);
    expect(answers[1]).toContain('[hidden]');
    expect(await (await api('/connectors/out/config')).text()).toContain('${env:SEAM_E2E_OUT_FILE}');
    await worker.stop();
    expect(worker.output()).toContain('REST API listening'); // the log was captured at debug level
    expect(worker.output()).not.toContain(SECRET);
    worker = undefined;
  });
});
