// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config values hold literal ${provider:key} references
import { describe, expect, it } from 'vitest';
import { configSpec, Password } from '../../../src/api/index.ts';
import { createLogger } from '../../../src/instrumentation/logger.ts';
import { reverseTransform } from '../../../src/runtime/config-reverse-transform.ts';
import {
  knownSecrets,
  maskUrlCredentials,
  redactConfig,
  SecretValues,
  scrubText,
} from '../../../src/runtime/redact.ts';

const spec = configSpec()
  .define({ name: 'database.hostname', type: 'string', doc: 'host' })
  .define({ name: 'database.pass', type: 'password', doc: 'a password-typed key with an unusual name' });

describe('redactConfig', () => {
  it('hides password-typed and secret-looking values, keeps references and other keys', () => {
    const raw = {
      'connector.class': 'PostgresConnector',
      'database.hostname': 'db',
      'database.pass': 'hunter2',
      'database.password': 'hunter2',
      'transforms.x.api.key': 'k',
      'value.converter.basic.auth.user.info': 'u:p',
      'sasl.jaas.config': 'org.apache… password="p";',
      'auth.token': '${env:TOKEN}',
      'secret.mix': 'pre-${env:X}',
      'aws.credentials': '',
    };
    const out = redactConfig(raw, (name) => spec.key(name));
    expect(out).toEqual({
      'connector.class': 'PostgresConnector',
      'database.hostname': 'db',
      'database.pass': '[hidden]',
      'database.password': '[hidden]',
      'transforms.x.api.key': '[hidden]',
      'value.converter.basic.auth.user.info': '[hidden]',
      'sasl.jaas.config': '[hidden]',
      'auth.token': '${env:TOKEN}',
      'secret.mix': '[hidden]',
      'aws.credentials': '[hidden]',
    });
    expect(raw['database.pass']).toBe('hunter2');
  });

  it('hides Password objects whatever the key', () => {
    expect(redactConfig({ x: new Password('p'), n: null })).toEqual({ x: '[hidden]', n: null });
  });
});

describe('maskUrlCredentials', () => {
  it('masks the userinfo of any URL and password-like query or JDBC parameters', () => {
    expect(maskUrlCredentials('http://elastic:s3cret@es:9200/_bulk')).toBe('http://[hidden]@es:9200/_bulk');
    expect(maskUrlCredentials('connect to https://user@host failed')).toBe(
      'connect to https://[hidden]@host failed',
    );
    expect(maskUrlCredentials('jdbc:postgresql://db/app?user=u&password=p4ss&ssl=true')).toBe(
      'jdbc:postgresql://db/app?user=u&password=[hidden]&ssl=true',
    );
    expect(maskUrlCredentials('jdbc:sqlserver://db;user=u;password=p4ss;encrypt=true')).toBe(
      'jdbc:sqlserver://db;user=u;password=[hidden];encrypt=true',
    );
    expect(maskUrlCredentials('host=db password=p4ss dbname=x')).toBe('host=db password=[hidden] dbname=x');
    expect(maskUrlCredentials('a,http://a:b@h1,http://c:d@h2')).toBe(
      'a,http://[hidden]@h1,http://[hidden]@h2',
    );
    expect(maskUrlCredentials('user@example.com and http://es:9200')).toBe(
      'user@example.com and http://es:9200',
    );
    // A reference names where the password lives: shown, as a reference-only value is.
    expect(maskUrlCredentials('http://app:${env:ES_PW}@es:9200')).toBe('http://app:${env:ES_PW}@es:9200');
    expect(maskUrlCredentials('http://app:x${env:ES_PW}@es')).toBe('http://[hidden]@es');
    expect(maskUrlCredentials('jdbc:x://db?password=${file:/s/p:pw}')).toBe(
      'jdbc:x://db?password=${file:/s/p:pw}',
    );
  });

  it('applies to every config value served over REST', () => {
    expect(redactConfig({ 'connection.url': 'http://u:pw-in-url@es:9200' })).toEqual({
      'connection.url': 'http://[hidden]@es:9200',
    });
  });
});

describe('SecretValues', () => {
  it('scrubs registered values, longest first, also JSON-escaped, and ignores very short ones', () => {
    const s = new SecretValues();
    s.add('abc');
    s.add('pa"ss\\word');
    s.add('hunter2');
    s.add('hunter2-long');
    expect(s.scrub('abc hunter2-long hunter2')).toBe('abc [hidden] [hidden]');
    expect(s.scrub(JSON.stringify({ m: 'x pa"ss\\word y' }))).toBe('{"m":"x [hidden] y"}');
  });

  it('registers secret keys of a config, not references nor other keys nor short literals', () => {
    const s = new SecretValues();
    s.addConfig({
      'database.password': 'db-pw-1234',
      'auth.token': '${env:T}',
      'database.hostname': 'db-host-1',
      'connection.password': 'seam',
    });
    expect(s.scrub('db-pw-1234 ${env:T} db-host-1 seam.code')).toBe('[hidden] ${env:T} db-host-1 seam.code');
  });
});

describe('the logger', () => {
  it('scrubs every line of known secrets and URL credentials, whatever the field', () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: { write: (line: string) => void lines.push(line) },
    });
    knownSecrets.add('resolved-from-file-77');
    logger.error({ err: new Error('auth failed with resolved-from-file-77') }, 'Driver said');
    logger.debug({ url: 'http://app:pw-literal-88@db:9200' }, 'Connecting to jdbc:x://db?password=pw-99');
    const text = lines.join('');
    expect(text).not.toMatch(/resolved-from-file-77|pw-literal-88|pw-99/);
    expect(text).toContain('auth failed with [hidden]');
    expect(scrubText('resolved-from-file-77')).toBe('[hidden]');
  });
});

describe('reverseTransform', () => {
  it('puts provider references back into task configs, also where a connector copied a resolved value', () => {
    const raw = {
      'connection.password': '${file:/run/secrets/es:password}',
      'connection.url': 'http://elastic:${env:ES_PW}@es:9200',
      'plain.key': 'same',
    };
    const resolved = {
      'connection.password': 'file-pw-123',
      'connection.url': 'http://elastic:env-pw-456@es:9200',
      'plain.key': 'same',
    };
    const tasks = reverseTransform(raw, resolved, [
      {
        ...resolved,
        'task.id': '0',
        'hosts.copy': 'http://elastic:env-pw-456@es:9200',
        'pw.copy': 'file-pw-123',
      },
    ]);
    expect(tasks).toEqual([
      { ...raw, 'task.id': '0', 'hosts.copy': raw['connection.url'], 'pw.copy': raw['connection.password'] },
    ]);
  });
});
