import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, dropIdleSlotAndPublication, openAdmin } from './harness.ts';
import { LoggingHarness } from './pgprod-harness.ts';

/** One info line through the plugin logger for each step of the source's lifecycle. */

const SLOT = 'pgprod_life_slot';
const PUB = 'pgprod_life_pub';
let db: pg.Client;

beforeAll(async () => {
  db = await openAdmin(SLOT, PUB, [
    'DROP TABLE IF EXISTS pgprod_life_a, pgprod_life_b',
    'CREATE TABLE pgprod_life_a (id int PRIMARY KEY)',
    'CREATE TABLE pgprod_life_b (id int PRIMARY KEY)',
    'INSERT INTO pgprod_life_a SELECT generate_series(1, 3)',
    'INSERT INTO pgprod_life_b SELECT generate_series(1, 2)',
  ]);
});

afterAll(async () => {
  await dropIdleSlotAndPublication(db, SLOT, PUB);
  await db?.query('DROP TABLE IF EXISTS pgprod_life_a, pgprod_life_b');
  await db?.end();
});

const config = (o: Record<string, string>) =>
  baseConfig({
    'slot.name': SLOT,
    'publication.name': PUB,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': 'public.pgprod_life_a,public.pgprod_life_b',
    ...o,
  });

async function until(h: LoggingHarness, text: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!h.infos().some((l) => l.includes(text))) {
    if (Date.now() > deadline) throw new Error(`no "${text}" line in ${JSON.stringify(h.infos())}`);
    await h.task.poll();
  }
}

const matching = (h: LoggingHarness, re: RegExp) => h.infos().filter((l) => re.test(l));

describe('PostgreSQL source lifecycle log lines', () => {
  it('logs publication, slot, snapshot start, each table, the end and streaming start once each', async () => {
    const first = new LoggingHarness();
    try {
      await first.start(config({ 'snapshot.mode': 'initial' }));
      expect(await first.collect(5)).toHaveLength(5);
      await until(first, 'Streaming changes');
    } finally {
      await first.stop();
    }
    const lsn = /at ([0-9A-F]+\/[0-9A-F]+)/;
    expect(matching(first, /^Publication pgprod_life_pub created for 2 table\(s\)$/)).toHaveLength(1);
    expect(
      matching(first, /^Replication slot pgprod_life_slot created at \S+ for the snapshot$/),
    ).toHaveLength(1);
    expect(matching(first, /^Snapshot started: 2 table\(s\) at /)).toHaveLength(1);
    expect(
      matching(first, /^Snapshot of public.pgprod_life_a complete: 3 row\(s\) in [\d.]+ s$/),
    ).toHaveLength(1);
    expect(
      matching(first, /^Snapshot of public.pgprod_life_b complete: 2 row\(s\) in [\d.]+ s$/),
    ).toHaveLength(1);
    expect(matching(first, /^Snapshot complete: 5 row\(s\) from 2 table\(s\) in [\d.]+ s$/)).toHaveLength(1);
    const streaming = matching(first, /^Streaming changes from slot pgprod_life_slot at /);
    expect(streaming).toHaveLength(1);
    // Streaming starts at the slot's consistent point, where the snapshot was taken.
    const created = matching(first, /^Replication slot .* created/)[0]!;
    expect(lsn.exec(streaming[0]!)?.[1]).toBe(lsn.exec(created)?.[1]);
    const fields = first.lines.find((l) => l.msg.startsWith('Snapshot complete'))?.fields;
    expect(fields).toMatchObject({ tables: 2, rows: 5 });

    // Resumed with a narrower include list: the publication changes, the slot is reused.
    const second = new LoggingHarness(first.offset);
    try {
      await second.start(config({ 'table.include.list': 'public.pgprod_life_a' }));
      await until(second, 'Streaming changes');
    } finally {
      await second.stop();
    }
    expect(
      matching(second, /^Publication pgprod_life_pub changed: 0 table\(s\) added, 1 removed$/),
    ).toHaveLength(1);
    expect(matching(second, /Replication slot|Snapshot/)).toEqual([]);
    expect(second.lines.find((l) => l.msg.includes('changed'))?.fields).toMatchObject({
      removed: ['public.pgprod_life_b'],
    });

    // snapshot.mode=always drops and recreates the slot.
    const third = new LoggingHarness(second.offset);
    try {
      await third.start(
        config({
          'table.include.list': 'public.pgprod_life_a',
          'snapshot.mode': 'always',
          'slot.drop.on.stop': 'true',
        }),
      );
      await third.collect(3);
      await until(third, 'Streaming changes');
    } finally {
      await third.stop();
    }
    expect(
      matching(third, /^Replication slot pgprod_life_slot recreated at \S+ for the snapshot$/),
    ).toHaveLength(1);
    expect(matching(third, /^Publication/)).toEqual([]);
    expect(matching(third, /^Snapshot complete: 3 row\(s\) from 1 table\(s\)/)).toHaveLength(1);
  });
});
