// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config values hold literal ${provider:key} references
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSlots } from '../helpers/drop-slots.ts';
import { requireServer, servers } from '../helpers/servers.ts';
import { freePort, startWorker, type WorkerProcess } from '../helpers/worker-process.ts';

/**
 * Secrets never leave: a worker runs PostgreSQL and Elasticsearch connectors holding distinct passwords
 * (in password fields, inside URLs, from a `${file:…}` and an `${env:…}` provider), working and failing
 * (wrong password, unreachable server, so traces exist), and every REST answer and the debug-level log
 * are searched for each secret: none may appear. References stay references; resolved values only reach
 * the plugins.
 */
const run = `${process.pid}`;
const SECRETS = {
  pgFile: `pg-file-pw-${run}-a1`, // the working source's password, from a properties file
  pgWrong: `pg-wrong-pw-${run}-b2`, // a failing source's literal password field
  pgWrongUrl: `pg-url-pw-${run}-c3`, // inside a JDBC-style URL the failing source does not use
  esUrlEnv: `es-url-env-pw-${run}-d4`, // inside the working sink's URL, from the environment
  esFile: `es-file-pw-${run}-e5`, // the working sink's password field, a whole file
  esDeadUrl: `es-dead-url-pw-${run}-f6`, // inside the failing sink's URL (nothing listens there)
  esDead: `es-dead-pw-${run}-g7`, // the failing sink's literal password field
  datagen: `datagen-pw-${run}-h8`, // a literal secret-looking key of a plugin that does not declare it
  validate: `validate-pw-${run}-i9`, // only sent to config/validate
} as const;
const ROLE = `seam_secret_${run}`;
const TABLE = `secret_items_${run}`;
const PREFIX = `sec${run}`;
const TOPIC = `${PREFIX}.public.${TABLE}`;

const dir = mkdtempSync(join(tmpdir(), 'seam-secrets-'));
const secretsDir = join(dir, 'secrets');
const outFile = join(dir, 'out.jsonl');
const admin = new pg.Client({ connectionString: servers.postgresUrl });
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  await requireServer('postgres');
  await requireServer('elasticsearch');
  mkdirSync(secretsDir);
  writeFileSync(join(secretsDir, 'pg.properties'), `user=${ROLE}\npassword=${SECRETS.pgFile}\n`);
  writeFileSync(join(secretsDir, 'es-password'), `${SECRETS.esFile}\n`);
  await admin.connect();
  await cleanDatabase();
  await admin.query(`CREATE ROLE ${ROLE} LOGIN SUPERUSER PASSWORD '${SECRETS.pgFile}'`);
  await admin.query(`CREATE TABLE ${TABLE} (id int PRIMARY KEY, name text NOT NULL)`);
  await admin.query(`INSERT INTO ${TABLE} SELECT i, 'item ' || i FROM generate_series(1, 5) i`);
});

afterAll(async () => {
  await worker?.stop();
  await cleanDatabase().catch(() => undefined);
  await admin.end();
  await fetch(`${servers.elasticsearchUrl}/${TOPIC}*`, { method: 'DELETE' }).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function cleanDatabase(): Promise<void> {
  await dropSlots(admin, `seam_${PREFIX}%`);
  await admin.query(`DROP PUBLICATION IF EXISTS seam_${PREFIX}`);
  await admin.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
}

const pgUrl = new URL(servers.postgresUrl);
const postgres = (extra: Record<string, string>) => ({
  'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
  'database.hostname': pgUrl.hostname,
  'database.port': pgUrl.port || '5432',
  'database.dbname': pgUrl.pathname.slice(1),
  'table.include.list': `public.${TABLE}`,
  'publication.autocreate.mode': 'filtered',
  'snapshot.mode': 'initial',
  ...extra,
});
const esUrl = new URL(servers.elasticsearchUrl);
const elasticsearch = (extra: Record<string, string>) => ({
  'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
  topics: TOPIC,
  'retry.backoff.ms': '100',
  'max.retries': '1',
  ...extra,
});

describe('secrets', () => {
  it('appear in no REST answer and no log line, working or failing', async () => {
    const workerConfigFile = join(dir, 'worker.json');
    writeFileSync(
      workerConfigFile,
      JSON.stringify({
        'offset.flush.interval.ms': '200',
        'task.auto.restart.initial.backoff.ms': '200',
        'config.providers': 'file,env',
        'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
        'config.providers.file.param.allowed.paths': secretsDir,
        'config.providers.env.class': 'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
        'config.providers.env.param.allowlist.pattern': 'SEAM_E2E_.*',
      }),
    );
    worker = await startWorker({
      dataDir: join(dir, 'data'),
      port: await freePort(),
      workerConfigFile,
      env: {
        SEAM_LOG_LEVEL: 'debug',
        SEAM_E2E_OUT_FILE: outFile,
        SEAM_E2E_ES_URL_PW: SECRETS.esUrlEnv,
      },
    });
    const api = async (path: string, init?: RequestInit): Promise<{ status: number; text: string }> => {
      const res = await fetch(`${worker!.url}${path}`, init);
      return { status: res.status, text: await res.text() };
    };
    const send = (method: string, path: string, body: unknown) =>
      api(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answers: string[] = [];
    const create = async (name: string, config: Record<string, string>) => {
      const res = await send('POST', '/connectors', { name, config });
      answers.push(res.text);
      expect(res.status, res.text).toBe(201);
    };

    await create(
      'pg-ok',
      postgres({
        'database.user': `\${file:${secretsDir}/pg.properties:user}`,
        'database.password': `\${file:${secretsDir}/pg.properties:password}`,
        'topic.prefix': PREFIX,
        'slot.name': `seam_${PREFIX}_ok`,
        'publication.name': `seam_${PREFIX}`,
      }),
    );
    await create(
      'pg-bad',
      postgres({
        'database.user': ROLE,
        'database.password': SECRETS.pgWrong,
        'topic.prefix': `${PREFIX}bad`,
        'slot.name': `seam_${PREFIX}_bad`,
        'publication.name': `seam_${PREFIX}`,
        'database.url.note': `jdbc:postgresql://${pgUrl.hostname}/x?user=u&password=${SECRETS.pgWrongUrl}`,
      }),
    );
    await create(
      'es-ok',
      elasticsearch({
        'connection.url': `http://seam:\${env:SEAM_E2E_ES_URL_PW}@${esUrl.host}`,
        'connection.username': 'seam',
        'connection.password': `\${file:${secretsDir}/es-password}`,
      }),
    );
    await create(
      'es-bad',
      elasticsearch({
        'connection.url': `http://seam:${SECRETS.esDeadUrl}@127.0.0.1:${await freePort()}`,
        'connection.username': 'seam',
        'connection.password': SECRETS.esDead,
      }),
    );
    await create('gen', {
      'connector.class': 'io.confluent.kafka.connect.datagen.DatagenConnector',
      'kafka.topic': `secret-gen-${run}`,
      'max.interval': '0',
      iterations: '20',
      'database.password': SECRETS.datagen,
    });
    await create('out', {
      'connector.class': 'FileStreamSink',
      topics: `secret-gen-${run}`,
      file: '${env:SEAM_E2E_OUT_FILE}',
    });

    // The working pipeline moved data with the provider-resolved passwords.
    const deadline = Date.now() + 60_000;
    const indexed = async () => {
      const res = await fetch(`${servers.elasticsearchUrl}/${TOPIC.toLowerCase()}/_count`).catch(() => null);
      return res?.ok ? ((await res.json()) as { count: number }).count : 0;
    };
    while ((await indexed()) < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await indexed(), (await api('/connectors?expand=status')).text).toBe(5);
    while (
      !(existsSync(outFile) && readFileSync(outFile, 'utf8').split('\n').length > 20) &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(outFile, 'utf8').split('\n').length).toBeGreaterThan(20);
    // The failing ones failed, with traces.
    let badStatus = '';
    while (!badStatus.includes('28P01') && Date.now() < deadline) {
      badStatus = (await api('/connectors/pg-bad/status')).text;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(badStatus).toContain('FAILED');
    expect(badStatus).toContain('28P01');
    let deadSink = '';
    while (!deadSink.includes('trace') && Date.now() < deadline) {
      deadSink = (await api('/connectors/es-bad/status')).text;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(deadSink).toContain('trace');

    // Every REST answer.
    const names = ['pg-ok', 'pg-bad', 'es-ok', 'es-bad', 'gen', 'out'];
    const paths = [
      '/connectors',
      '/connectors?expand=info&expand=status',
      '/connector-plugins',
      '/connector-plugins?connectorsOnly=false',
      ...names.flatMap((n) => [
        `/connectors/${n}`,
        `/connectors/${n}/config`,
        `/connectors/${n}/tasks`,
        `/connectors/${n}/status`,
        `/connectors/${n}/tasks/0/status`,
        `/connectors/${n}/topics`,
        `/connectors/${n}/offsets`,
      ]),
    ];
    for (const path of paths) answers.push((await api(path)).text);
    const validations = [
      send('PUT', '/connector-plugins/PostgresConnector/config/validate', {
        ...postgres({ 'database.user': ROLE, 'topic.prefix': 'v' }),
        'database.password': SECRETS.validate,
      }),
      send('PUT', '/connector-plugins/ElasticsearchSinkConnector/config/validate', {
        ...elasticsearch({}),
        'connection.url': `http://u:${SECRETS.validate}@${esUrl.host}`,
        'connection.password': SECRETS.validate,
      }),
      // A refused reference: the error names the provider, not a value.
      send('PUT', '/connectors/nope/config', {
        ...elasticsearch({}),
        'connection.url': servers.elasticsearchUrl,
        'connection.password': '${directory:/etc:shadow}',
      }),
    ];
    const [pgValidate, esValidate, refused] = await Promise.all(validations);
    expect(pgValidate?.status).toBe(200);
    expect(pgValidate?.text).toContain('"value":"[hidden]"');
    expect(esValidate?.text).toContain('http://[hidden]@');
    expect(refused?.status).toBe(400);
    expect(refused?.text).toContain('config.providers');
    answers.push(...[pgValidate, esValidate, refused].map((r) => r?.text ?? ''));

    // References stay references; literal passwords are hidden.
    const pgOkTasks = (await api('/connectors/pg-ok/tasks')).text;
    expect(pgOkTasks).toContain(`\${file:${secretsDir}/pg.properties:password}`);
    expect((await api('/connectors/es-ok/config')).text).toContain('${env:SEAM_E2E_ES_URL_PW}');
    expect((await api('/connectors/es-bad/config')).text).toContain('[hidden]');

    await worker.stop();
    const log = worker.output();
    worker = undefined;
    expect(log).toContain('REST API listening'); // the log was captured, at debug level
    expect(log).toContain('"level":20');
    const stored = readFileSync(join(dir, 'data', 'status.json'), 'utf8');
    for (const [name, secret] of Object.entries(SECRETS)) {
      for (const text of answers) expect(text, `${name} in a REST answer`).not.toContain(secret);
      expect(log, `${name} in the log`).not.toContain(secret);
      expect(stored, `${name} in status.json`).not.toContain(secret);
    }
  });
});
