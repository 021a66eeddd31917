import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../../src/api/index.ts';
import { markerTopic, RedrivenMarkers } from '../../../src/herder/dead-letters-markers.ts';
import {
  type DeadLetterFacts,
  parseSelection,
  ReasonGroups,
  reasonPattern,
  renderBytes,
  selects,
} from '../../../src/herder/dead-letters-view.ts';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';
import type { StoredRecord } from '../../../src/log/topic-log.ts';
import { DeadLetterQueue, originalRecord } from '../../../src/runtime/dead-letter.ts';
import { noMetrics } from '../../../src/runtime/runtime-metrics.ts';

const utf8 = new TextEncoder();
const facts = (message: string, exceptionClass = 'DataError'): DeadLetterFacts => ({
  connector: 'c',
  exceptionClass,
  message,
  stage: 'TASK_PUT',
});

describe('dead-letter reasons', () => {
  it('masks what differs between records of one cause and keeps field names', () => {
    expect(
      reasonPattern(
        "failed to parse field [qty] of type [long] in document with id '42'. Preview of field's value: 'abc'",
      ),
    ).toBe(
      "failed to parse field [qty] of type [long] in document with id '…'. Preview of field's value: '…'",
    );
    expect(reasonPattern('row 17 at 3.5 s, uuid 123e4567-e89b-12d3-a456-426614174000')).toBe(
      'row N at N s, uuid X',
    );
    const groups = new ReasonGroups();
    for (const m of ['seq 1 rejected', 'seq 2 rejected', 'column "x" missing']) groups.add(facts(m));
    expect(groups.list().map((g) => [g.pattern, g.count])).toEqual([
      ['seq N rejected', 2],
      ['column "…" missing', 1],
    ]);
  });

  it('renders UTF-8 as text and anything else as base64', () => {
    expect(renderBytes(utf8.encode('{"a":1}'))).toEqual({ text: '{"a":1}' });
    expect(renderBytes(new Uint8Array([0xff, 0x00, 0xfe]))).toEqual({ base64: '/wD+' });
    expect(renderBytes(null)).toBeNull();
  });
});

describe('redrive selection', () => {
  it('needs all:true or a filter, and names every bad field', () => {
    expect(() => parseSelection(undefined)).toThrow(/"all": true/);
    expect(() => parseSelection({ limit: 5 })).toThrow(/"all": true/);
    expect(() => parseSelection([])).toThrow(/JSON object/);
    expect(() => parseSelection({ all: 'yes' })).toThrow(/all must be true or false/);
    expect(() => parseSelection({ partition: -1 })).toThrow(/partition must be a whole number/);
    expect(() => parseSelection({ reason: '' })).toThrow(/reason must be a non-empty string/);
    expect(() => parseSelection({ reason_regex: 'x'.repeat(1001) })).toThrow(/longer than/);
    expect(() => parseSelection({ all: true, limit: 100_001 })).toThrow(/limit/);
    expect(parseSelection({ all: true })).toEqual({ all: true, limit: 10_000, dryRun: false });
  });

  it('combines filters with AND: reason (substring, any case), regex, partition and offset range', () => {
    const s = parseSelection({ reason: 'PARSE field [qty]', from_offset: 10, to_offset: 20 });
    const f = facts("failed to parse field [qty] of type [long]: 'abc'", 'ResponseError');
    expect(selects(s, 0, 10, f)).toBe(true);
    expect(selects(s, 0, 20, f)).toBe(true);
    expect(selects(s, 0, 21, f)).toBe(false);
    expect(selects(s, 0, 9, f)).toBe(false);
    expect(selects(s, 0, 15, facts('unknown column x'))).toBe(false);
    const byClass = parseSelection({ reason: 'responseerror' });
    expect(selects(byClass, 3, 0, f)).toBe(true);
    const regex = parseSelection({ reason_regex: '^ResponseError: failed .*\\[long\\]', partition: 1 });
    expect(selects(regex, 1, 5, f)).toBe(true);
    expect(selects(regex, 0, 5, f)).toBe(false);
    expect(selects(regex, 1, 5, facts('failed to parse [long]'))).toBe(false);
  });
});

describe('dead letters and their markers', () => {
  const stored: StoredRecord = {
    topic: 'orders',
    partition: 2,
    offset: 41,
    key: utf8.encode('k'),
    value: new Uint8Array([1, 2, 3]),
    headers: [{ key: 'trace', value: utf8.encode('t1') }],
    timestamp: 1_700_000_000_000,
  };

  it('gives back the record a sink dead-lettered, as it was read', () => {
    const dlq = new DeadLetterQueue({
      topic: 'dlq',
      contextHeaders: true,
      connector: 'c',
      taskId: 0,
      log: null as never,
      metrics: noMetrics.taskErrors('c', 0),
    });
    const dead = dlq.forStored(stored, { stage: 'TASK_PUT', className: 'x', error: new DataError('bad') });
    expect(
      originalRecord({ ...dead, partition: 0, offset: 7, timestamp: stored.timestamp } as StoredRecord),
    ).toEqual(stored);
    // A source's dead letter names a source position, not a log position: nothing to give back.
    const source = { ...dead, partition: 0, offset: 0, timestamp: 0 } as StoredRecord;
    const headers = source.headers.map((h) =>
      h.key === '__connect.errors.partition' ? { key: h.key, value: utf8.encode('{"server":"a"}') } : h,
    );
    expect(originalRecord({ ...source, headers })).toBeNull();
    expect(originalRecord({ ...stored, headers: [] })).toBeNull();
  });

  it('records redriven offsets as ranges and reads them back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seam-dlq-markers-'));
    const log = await EmbeddedTopicLog.open({ dataDir: dir });
    try {
      const at = (partition: number, offset: number) => ({ ...stored, topic: 'dlq', partition, offset });
      const chunk = [at(0, 3), at(0, 1), at(0, 2), at(0, 7), at(1, 0)];
      const markers = RedrivenMarkers.records('dlq', 'c', chunk);
      expect(markers.map((m) => new TextDecoder().decode(m.key!))).toEqual(['0:1-3', '0:7-7', '1:0-0']);
      expect(markers.every((m) => m.topic === markerTopic('dlq') && m.partition === 0)).toBe(true);
      await log.append(markers);
      await log.append([
        { ...markers[0]!, value: utf8.encode('{"version":99,"partition":0,"from":0,"to":99}') },
      ]);
      const read = await RedrivenMarkers.read(log, 'dlq');
      const has = (p: number, o: number) => read.has(p, o);
      expect([0, 1, 2, 3, 4, 6, 7, 8].map((o) => has(0, o))).toEqual([
        false,
        true,
        true,
        true,
        false,
        false,
        true,
        false,
      ]);
      expect(has(1, 0)).toBe(true);
      expect(has(2, 0)).toBe(false);
      expect((await RedrivenMarkers.read(log, 'other')).has(0, 0)).toBe(false);
    } finally {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
