import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { cassandraSinkConfigSpec } from '../../../connectors/cassandra/config.ts';
import { clientOptions } from '../../../connectors/cassandra/session.ts';
import { ConfigError } from '../../../src/api/index.ts';

const base = { contactPoints: 'a,b:9142', 'loadBalancing.localDc': 'dc1' };
const parse = (extra: Record<string, string>) => cassandraSinkConfigSpec.parse({ ...base, ...extra });

describe('Cassandra client options from DataStax keys', () => {
  it('adds the port to contact points without one, and sets DC and timeout', () => {
    const o = clientOptions(parse({ port: '9043', queryExecutionTimeout: '5' }));
    expect(o.contactPoints).toEqual(['a:9043', 'b:9142']);
    expect(o.localDataCenter).toBe('dc1');
    expect(o.socketOptions?.readTimeout).toBe(5000);
    expect(o.authProvider).toBeUndefined();
    expect(o.sslOptions).toBeUndefined();
  });

  it('PLAIN auth uses the password provider', () => {
    const o = clientOptions(parse({ 'auth.provider': 'PLAIN', 'auth.username': 'u', 'auth.password': 'p' }));
    expect(o.authProvider).toBeInstanceOf(cassandra.auth.PlainTextAuthProvider);
  });

  it('TLS reads PEM files and names an unreadable one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seam-cass-'));
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
    const o = clientOptions(
      parse({
        'ssl.provider': 'JDK',
        'ssl.truststore.path': join(dir, 'ca.pem'),
        'ssl.hostnameValidation': 'false',
      }),
    );
    expect((o.sslOptions as { ca: Buffer[] }).ca[0]!.toString()).toContain('BEGIN CERTIFICATE');
    expect(typeof (o.sslOptions as { checkServerIdentity: unknown }).checkServerIdentity).toBe('function');
    const error = (() => {
      try {
        clientOptions(
          parse({ 'ssl.provider': 'OpenSSL', 'ssl.openssl.privateKey': join(dir, 'absent.pem') }),
        );
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]!.key).toBe('ssl.openssl.privateKey');
  });

  it('validation reports every spec problem at once', () => {
    const { problems } = cassandraSinkConfigSpec.validate({
      'auth.provider': 'KERBEROS',
      maxConcurrentRequests: '0',
      ignoreErrors: 'Some',
    });
    expect(problems.map((p) => p.key).sort()).toEqual(
      [
        'auth.provider',
        'contactPoints',
        'ignoreErrors',
        'loadBalancing.localDc',
        'maxConcurrentRequests',
      ].sort(),
    );
  });
});
