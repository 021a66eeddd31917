import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { missingEntries, platformOf } from '../../../scripts/complete-lockfile.ts';

const lock = JSON.parse(readFileSync(new URL('../../../package-lock.json', import.meta.url), 'utf8'));

describe('package-lock.json', () => {
  it('has an entry for every optional platform package, so `npm ci` accepts it on any machine', () => {
    // A failure here means `npm install` dropped entries the registry lacks: run `npm run lockfile:complete`.
    expect(missingEntries(lock).map(({ key }) => key)).toEqual([]);
  });

  it('platform entries name the os and cpu npm ci matches against', () => {
    const entry = lock.packages['node_modules/@biomejs/cli-darwin-arm64'];
    expect(entry).toMatchObject({ version: '2.6.8', os: ['darwin'], cpu: ['arm64'], optional: true });
  });
});

describe('platformOf', () => {
  it('reads os, cpu and libc from platform package names', () => {
    expect(platformOf('@biomejs/cli-linux-x64-musl')).toEqual({ os: 'linux', cpu: 'x64', libc: 'musl' });
    expect(platformOf('@msgpackr-extract/msgpackr-extract-linux-arm')).toEqual({ os: 'linux', cpu: 'arm' });
    expect(platformOf('@rolldown/binding-linux-x64-gnu')).toEqual({ os: 'linux', cpu: 'x64', libc: 'glibc' });
    expect(platformOf('pg-cloudflare')).toBeUndefined();
  });

  it('adds the missing entries of a lockfile that lacks them, and refuses a ranged version', () => {
    const sparse = {
      packages: {
        'node_modules/tool': {
          version: '1.0.0',
          dev: true,
          optionalDependencies: { '@t/cli-win32-x64': '1.0.0' },
        },
      },
    };
    expect(missingEntries(sparse)).toEqual([
      {
        key: 'node_modules/@t/cli-win32-x64',
        entry: { version: '1.0.0', cpu: ['x64'], dev: true, optional: true, os: ['win32'] },
      },
    ]);
    sparse.packages['node_modules/tool'].optionalDependencies['@t/cli-win32-x64'] = '^1.0.0';
    expect(() => missingEntries(sparse)).toThrow(/not an exact version/);
  });
});
