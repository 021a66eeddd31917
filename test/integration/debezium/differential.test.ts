import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDebeziumBuild } from '../../differential/debezium-build.ts';
import { requireServer } from '../../helpers/servers.ts';
import { admin } from '../postgres/harness.ts';
import { dropSlotAndPublication } from '../postgres/worker-harness.ts';
import { compareStreams, type Difference, IGNORED, renderTable } from './compare.ts';
import { DebeziumSide } from './debezium-side.ts';
import type { CapturedEvent } from './events.ts';
import { isKnown, KNOWN_DIFFERENCES } from './known-differences.ts';
import { SeamSide } from './seam-side.ts';
import { slotName, VARIANTS } from './variants.ts';
import { SETUP, WORKLOAD } from './workload.ts';

/**
 * The differential test: Debezium 3.6's embedded engine and Seam's PostgreSQL source capture the same
 * workload from their own slots, under several handling-mode variants, and every field of every event
 * must be equal, except the run-to-run fields in compare.ts's IGNORED and the differences listed (with
 * their reasons) in known-differences.ts. See docs/decisions/2026-12-02-debezium-differential.md.
 */

const CAPTURE_TIMEOUT_MS = 90_000;
/** Both streams and every difference of the last run, for a closer look. */
const DIFF_DUMP = join(tmpdir(), 'seam-debezium-differential-last-run.json');

let db: pg.Client;
let dir: string;
let debezium: DebeziumSide | undefined;
const seam: SeamSide[] = [];
const results = new Map<string, { debezium: CapturedEvent[]; seam: CapturedEvent[] }>();

const say = (line: string) => console.log(`[debezium-differential] ${line}`);

async function dropSlots(): Promise<void> {
  for (const v of VARIANTS) {
    for (const side of ['dbz', 'seam'] as const)
      await dropSlotAndPublication(db, slotName(side, v), slotName(side, v));
  }
}

/** Resolves once a walsender streams from every slot; fails early when the Debezium JVM ended. */
async function waitForSlots(slots: readonly string[]): Promise<void> {
  const deadline = Date.now() + CAPTURE_TIMEOUT_MS;
  for (;;) {
    const { rows } = await db.query(
      `SELECT s.slot_name FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid
        WHERE s.slot_name = ANY($1) AND r.state IN ('streaming', 'catchup')`,
      [slots],
    );
    if (rows.length === slots.length) return;
    const failure = debezium?.failure();
    if (failure) throw new Error(failure);
    if (Date.now() > deadline) {
      const streaming = new Set(rows.map((r: { slot_name: string }) => r.slot_name));
      throw new Error(
        `not streaming after ${CAPTURE_TIMEOUT_MS} ms: ${slots.filter((s) => !streaming.has(s)).join(', ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  await requireServer('postgres');
  const { classpath } = ensureDebeziumBuild(say);
  db = await admin();
  await dropSlots();
  for (const sql of SETUP) await db.query(sql);
  dir = mkdtempSync(join(tmpdir(), 'seam-dbz-diff-'));
  debezium = new DebeziumSide(classpath, VARIANTS, dir);
  for (const v of VARIANTS) {
    const side = new SeamSide(v);
    seam.push(side);
    await side.start();
  }
  say('waiting for both sides to stream');
  await waitForSlots(VARIANTS.flatMap((v) => [slotName('seam', v), slotName('dbz', v)]));
  say('running the workload');
  for (const tx of WORKLOAD) {
    await db.query('BEGIN');
    for (const sql of tx) await db.query(sql);
    await db.query('COMMIT');
  }
  say('waiting for the fence event on both sides');
  const dbzEvents = await debezium.finished(CAPTURE_TIMEOUT_MS);
  for (const side of seam) {
    results.set(side.variant.name, {
      debezium: dbzEvents.get(side.variant.name) ?? [],
      seam: await side.finished(CAPTURE_TIMEOUT_MS),
    });
  }
}, 600_000);

afterAll(async () => {
  debezium?.stop();
  for (const side of seam) await side.stop().catch(() => {});
  if (db) {
    await dropSlots();
    await db.end();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Seam PostgreSQL source vs Debezium 3.6.1 (differential)', () => {
  it('captures the same events, field by field, in every variant', () => {
    const all: Difference[] = [];
    for (const v of VARIANTS) {
      const r = results.get(v.name)!;
      expect(r.debezium.length, `Debezium events in ${v.name}`).toBeGreaterThan(WORKLOAD.length);
      all.push(...compareStreams(v.name, r.debezium, r.seam));
    }
    writeFileSync(
      DIFF_DUMP,
      JSON.stringify(
        { differences: all, events: Object.fromEntries(results) },
        (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
        1,
      ),
    );
    const unknown = all.filter((d) => !KNOWN_DIFFERENCES.some((k) => isKnown(k, d)));
    const stale = KNOWN_DIFFERENCES.filter((k) => !all.some((d) => isKnown(k, d)));
    console.log(
      `[debezium-differential] ${all.length} differing fields, ${all.length - unknown.length} known (all in ${DIFF_DUMP}); ignored everywhere:\n` +
        IGNORED.map((i) => `  ${i.path.source}${i.op ? ` (op ${i.op})` : ''}: ${i.why}`).join('\n'),
    );
    const report = [
      unknown.length > 0
        ? `${unknown.length} differences not in known-differences.ts:\n${renderTable(unknown)}`
        : '',
      stale.length > 0
        ? `known differences that no longer occur (remove them): ${stale.map((k) => k.id).join(', ')}`
        : '',
    ]
      .filter(Boolean)
      .join('\n\n');
    expect(report, report).toBe('');
  });
});
