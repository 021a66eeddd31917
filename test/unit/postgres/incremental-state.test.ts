import { describe, expect, it } from 'vitest';
import {
  NO_SNAPSHOT,
  stateFields,
  stateFromOffset,
} from '../../../connectors/postgres/snapshot/incremental-state.ts';
import { signalOf, signalTableName, snapshotRequest } from '../../../connectors/postgres/snapshot/signals.ts';

describe('incremental snapshot state and signals', () => {
  it('round-trips the state through offset fields, and has none when idle', () => {
    const state = {
      collections: [
        { id: 'public.a', filter: "color = 'blue'" },
        { id: 'public.b', filter: null },
      ],
      lastKey: ['10', 'x'],
      maxKey: ['99', 'z'],
      paused: true,
    };
    const fields = stateFields(state);
    expect(JSON.parse(JSON.stringify(fields))).toEqual(fields);
    expect(stateFromOffset({ lsn: '1', ...fields })).toEqual(state);
    expect(stateFields(state, ['11', null]).incremental_snapshot_primary_key).toBe('["11",null]');
    expect(stateFields(NO_SNAPSHOT)).toEqual({});
    expect(stateFromOffset({ lsn: '1' })).toBe(NO_SNAPSHOT);
    expect(stateFromOffset({ incremental_snapshot_collections: 'not json' })).toBe(NO_SNAPSHOT);
  });

  it('parses signal rows and execute-snapshot data as Debezium writes them', () => {
    expect(signalTableName('db.public.signals')).toEqual({ schema: 'public', table: 'signals' });
    expect(signalTableName('signals')).toBeNull();
    expect(signalOf({ id: '1', type: 'log', data: '{"message":"hi"}' })).toEqual({
      id: '1',
      type: 'log',
      data: { message: 'hi' },
    });
    expect(signalOf({ id: '1', type: 'pause-snapshot', data: null })?.data).toEqual({});
    expect(signalOf({ id: null, type: 'x', data: null })).toBeNull();
    const req = snapshotRequest({
      'data-collections': ['public.a', 'public\\.b.*'],
      type: 'INCREMENTAL',
      'additional-conditions': [{ 'data-collection': 'public.a', filter: 'id > 5' }],
    });
    expect(req).toEqual({
      collections: ['public.a', 'public\\.b.*'],
      type: 'incremental',
      conditions: new Map([['public.a', 'id > 5']]),
    });
    expect(snapshotRequest({ 'additional-condition': 'x = 1' }).conditions.get('*')).toBe('x = 1');
  });
});
