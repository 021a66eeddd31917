// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config values hold literal ${provider:key} references
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConnectError } from '../../../src/api/index.ts';
import { createConfigResolver, resolveConfigReferences } from '../../../src/runtime/config-providers.ts';
import { parseProperties } from '../../../src/runtime/properties-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'seam-providers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const props = join(dir, 'db.properties');
writeFileSync(props, '# secrets\nuser = app\npassword=s3cr=t\\\n  !more\nurl: jdbc\\:pg\\u0041\n');
const secretFile = join(dir, 'token');
writeFileSync(secretFile, '  tok-123\n');
const secretsDir = join(dir, 'secrets');
mkdirSync(secretsDir);
writeFileSync(join(secretsDir, 'api-key'), 'k-456\n');

async function failure(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectError);
    return e as ConnectError;
  }
  throw new Error('expected a failure');
}

describe('parseProperties', () => {
  it('reads separators, escapes, comments and continuation lines', () => {
    const p = parseProperties(
      'a=1\n! c\nb : two words \nc three\nd\\=x=y\ne=line\\\n   continued\nf=\\u00e9\\t.',
    );
    expect(Object.fromEntries(p)).toEqual({
      a: '1',
      b: 'two words ',
      c: 'three',
      'd=x': 'y',
      e: 'linecontinued',
      f: 'é\t.',
    });
  });
});

describe('config providers', () => {
  const env = { DB_HOST: 'db.local', EMPTY: '' };

  it('resolves env, file properties, whole files and directory entries, inside longer values', async () => {
    const out = await resolveConfigReferences(
      {
        'connection.url': 'jdbc:postgresql://${env:DB_HOST}:5432/app',
        'connection.user': `\${file:${props}:user}`,
        'connection.password': `\${file:${props}:password}`,
        url: `\${file:${props}:url}`,
        token: `\${file:${secretFile}}`,
        'api.key': `\${directory:${secretsDir}:api-key}`,
        empty: '${env:EMPTY}',
        plain: 'no references',
      },
      { env },
    );
    expect(out).toEqual({
      'connection.url': 'jdbc:postgresql://db.local:5432/app',
      'connection.user': 'app',
      'connection.password': 's3cr=t!more',
      url: 'jdbc:pgA',
      token: 'tok-123',
      'api.key': 'k-456\n',
      empty: '',
      plain: 'no references',
    });
  });

  it('never changes its input', async () => {
    const config = { a: '${env:DB_HOST}' };
    await createConfigResolver({ env })(config);
    expect(config).toEqual({ a: '${env:DB_HOST}' });
  });

  it('fails with seam.config.provider_failed naming the reference, never a value', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ k: '${vault:secret/x:pw}' }, /unknown config provider 'vault'/],
      [{ k: '${env:NOPE}' }, /\$\{env:NOPE\} in config 'k': not found/],
      [{ k: `\${file:${props}:missing}` }, /:missing\} in config 'k': not found/],
      [{ k: `\${file:${join(dir, 'absent')}:x}` }, /no such file/],
      [{ k: `\${directory:${secretsDir}:other}` }, /not found/],
      [{ k: `\${directory:${secretsDir}:../db.properties}` }, /not a file name/],
      [{ k: '${file:relative.properties:x}' }, /not an absolute path/],
    ];
    for (const [config, message] of cases) {
      const e = await failure(resolveConfigReferences(config, { env }));
      expect(e.code).toBe('seam.config.provider_failed');
      expect(e.message).toMatch(message);
      expect(e.message).not.toMatch(/s3cr=t|tok-123|k-456/);
    }
  });

  it('enforces allowedPaths for file and directory references', async () => {
    const inside = await resolveConfigReferences({ k: `\${file:${secretFile}}` }, { allowedPaths: [dir] });
    expect(inside.k).toBe('tok-123');
    const e = await failure(
      resolveConfigReferences({ k: `\${file:${secretFile}}` }, { allowedPaths: [secretsDir] }),
    );
    expect(e.message).toMatch(/outside the allowed paths/);
  });
});
