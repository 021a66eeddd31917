// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config values hold literal ${provider:key} references
import { describe, expect, it } from 'vitest';
import { configSpec, Password } from '../../../src/api/index.ts';
import { redactConfig } from '../../../src/runtime/redact.ts';

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
