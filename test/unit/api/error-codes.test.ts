import { describe, expect, it } from 'vitest';
import { POSTGRES_ERROR_CODES } from '../../../connectors/postgres/errors.ts';
import {
  defineErrorCodes,
  ERROR_CODES,
  errorCodeInfo,
  FatalError,
  RetriableError,
  type SinkPlugin,
} from '../../../src/api/index.ts';
import { builtinRegistry } from '../../../src/plugins/builtin.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { toErrorResponse } from '../../../src/rest/errors.ts';

const info = { status: 503, hint: 'Wait for the cluster to come back.' };

function sink(className: string, errorCodes?: SinkPlugin['errorCodes']): SinkPlugin {
  return {
    kind: 'sink',
    className,
    aliases: [],
    version: '1',
    configSpec: {} as SinkPlugin['configSpec'],
    createConnector: () => {
      throw new Error('unused');
    },
    createTask: () => {
      throw new Error('unused');
    },
    ...(errorCodes ? { errorCodes } : {}),
  };
}

describe('defineErrorCodes', () => {
  it('returns the table frozen, keys kept', () => {
    const codes = defineErrorCodes('cassandra', { 'seam.cassandra.unavailable': info });
    expect(codes['seam.cassandra.unavailable']).toEqual(info);
    expect(Object.isFrozen(codes)).toBe(true);
  });

  it("refuses codes outside the plugin's namespace, Seam's own namespaces, and entries without status or hint", () => {
    expect(() => defineErrorCodes('cassandra', { 'seam.mysql.x': info })).toThrow(
      /under 'seam\.cassandra\.'/,
    );
    expect(() => defineErrorCodes('cassandra', { 'seam.cassandra.Bad-Name': info })).toThrow(/lower-case/);
    expect(() => defineErrorCodes('config', { 'seam.config.other': info })).toThrow(/namespace 'config'/);
    expect(() => defineErrorCodes('cassandra', { 'seam.cassandra.x': { status: 200, hint: 'ok' } })).toThrow(
      /HTTP error status/,
    );
    expect(() => defineErrorCodes('cassandra', { 'seam.cassandra.x': { status: 500, hint: '' } })).toThrow(
      /hint/,
    );
  });
});

describe('the registry merges plugin codes', () => {
  it("holds Seam's own codes and every built-in plugin's, PostgreSQL's among them", () => {
    const codes = builtinRegistry().errorCodes;
    for (const code of Object.keys(ERROR_CODES))
      expect(codes[code]).toBe(ERROR_CODES[code as keyof typeof ERROR_CODES]);
    expect(codes['seam.postgres.wal_level']).toEqual(POSTGRES_ERROR_CODES['seam.postgres.wal_level']);
    expect(ERROR_CODES).not.toHaveProperty('seam.postgres.wal_level');
  });

  it('accepts one table carried by two plugins, refuses a code declared twice with different meanings', () => {
    const codes = defineErrorCodes('demo', { 'seam.demo.down': info });
    expect(new PluginRegistry([sink('a.A', codes), sink('a.B', codes)]).errorCodes['seam.demo.down']).toEqual(
      info,
    );
    const other = defineErrorCodes('demo', { 'seam.demo.down': { status: 500, hint: 'Other.' } });
    expect(() => new PluginRegistry([sink('a.A', codes), sink('b.B', other)])).toThrow(
      /'seam\.demo\.down' of b\.B is already registered by a\.A/,
    );
    const core = { 'seam.fatal': ERROR_CODES['seam.fatal'] };
    expect(() => new PluginRegistry([sink('c.C', core)])).toThrow(/already registered by Seam/);
  });

  it('answers an unknown code as its error class does', () => {
    const registry = new PluginRegistry([]);
    expect(registry.errorInfo('seam.nobody.knows', true)).toBe(ERROR_CODES['seam.retriable']);
    expect(errorCodeInfo('seam.nobody.knows')).toBe(ERROR_CODES['seam.fatal']);
  });
});

describe('REST answers a plugin code with its own status and hint', () => {
  it("with the registry's table, and with the class's generic answer without it", () => {
    const error = new FatalError('wal_level is replica', { code: 'seam.postgres.wal_level' });
    const codes = builtinRegistry().errorCodes;
    expect(toErrorResponse(error, codes)).toMatchObject({
      status: 400,
      body: { code: 'seam.postgres.wal_level', hint: POSTGRES_ERROR_CODES['seam.postgres.wal_level'].hint },
    });
    expect(toErrorResponse(error).status).toBe(500);
    const busy = new RetriableError('slot busy', { code: 'seam.postgres.slot_in_use' });
    expect(toErrorResponse(busy, codes).status).toBe(503);
    expect(busy.status).toBe(503);
  });
});
