import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDebeziumBuild } from '../../differential/debezium-build.ts';
import { TaskHarness as MysqlHarness, openDatabase } from '../mysql/harness.ts';
import { compareStreams, type Difference, IGNORED, renderTable } from './compare.ts';
import { DebeziumSide } from './debezium-side.ts';
import type { CapturedEvent } from './events.ts';
import { isKnown, MYSQL_KNOWN_DIFFERENCES } from './known-differences.ts';
import { debeziumMysqlConfig, seamMysqlConfig } from './mysql-configs.ts';
import {
  MYSQL_DB,
  MYSQL_READY_TOPIC,
  MYSQL_STOP_TOPIC,
  MYSQL_TOPIC_PREFIX,
  MYSQL_VARIANTS,
} from './mysql-variants.ts';
import { MYSQL_SETUP, MYSQL_WORKLOAD } from './mysql-workload.ts';
import { SeamSide } from './seam-side.ts';

/**
 * The MySQL differential test: Debezium 3.6.1's MySQL connector (through the JDBC shim that lets it run
 * against MariaDB, see MariaDbCompatDriver.java) and Seam's MySQL source stream the same workload from
 * the test MariaDB with their own replica server ids, under several handling-mode variants. Every field
 * of every event must be equal except compare.ts's IGNORED fields and the MySQL entries of
 * known-differences.ts. See docs/decisions/2026-12-02-debezium-mysql-differential.md.
 */

const CAPTURE_TIMEOUT_MS = 90_000;
const DIFF_DUMP = join(tmpdir(), 'seam-debezium-mysql-differential-last-run.json');

let conn: mysql.Connection;
let dir: string;
let debezium: DebeziumSide | undefined;
const seam: SeamSide[] = [];
const results = new Map<string, { debezium: CapturedEvent[]; seam: CapturedEvent[] }>();

const say = (line: string) => console.log(`[debezium-mysql-differential] ${line}`);

/**
 * Writes a row to the ready table every 300 ms until every side emitted one: from then on each side
 * streams, so all of them see the whole workload.
 */
async function waitUntilStreaming(): Promise<void> {
  const deadline = Date.now() + CAPTURE_TIMEOUT_MS;
  const sides = (): CapturedEvent[][] => [
    ...MYSQL_VARIANTS.map((v) => debezium?.events.get(v.name) ?? []),
    ...seam.map((s) => s.events),
  ];
  for (;;) {
    if (sides().every((events) => events.some((e) => e.topic === MYSQL_READY_TOPIC))) return;
    const failure = debezium?.failure();
    if (failure) throw new Error(failure);
    if (Date.now() > deadline) throw new Error(`not every side streams after ${CAPTURE_TIMEOUT_MS} ms`);
    await conn.query('INSERT INTO ready () VALUES ()');
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The events of the workload proper: without the ready rows and the BEGIN/END of their transactions. */
function workloadEvents(events: readonly CapturedEvent[]): CapturedEvent[] {
  const txOf = (e: CapturedEvent): string | undefined =>
    (e.value as { payload?: { transaction?: { id?: string } | null; id?: string } } | null)?.payload
      ?.transaction?.id ?? undefined;
  const readyTx = new Set(
    events
      .filter((e) => e.topic === MYSQL_READY_TOPIC)
      .map(txOf)
      .filter((id) => id !== undefined),
  );
  const isReadyTxBoundary = (e: CapturedEvent): boolean => {
    const payload = (e.value as { payload?: { status?: string; id?: string } } | null)?.payload;
    return payload?.status !== undefined && payload.id !== undefined && readyTx.has(payload.id);
  };
  return events.filter((e) => e.topic !== MYSQL_READY_TOPIC && !isReadyTxBoundary(e));
}

/**
 * Debezium records the schema it read at start (snapshot.mode no_data included) as schema change events
 * with `source.snapshot` true/last; Seam keeps that baseline in its schema history only. Those events are
 * taken out of the pairing (each would shift every later DDL event) and counted as one difference, so
 * the known difference that explains them still has to occur.
 */
function withoutSnapshotSchemaEvents(
  variant: string,
  r: { debezium: CapturedEvent[]; seam: CapturedEvent[] },
): { debezium: CapturedEvent[]; seam: CapturedEvent[]; difference: Difference | null } {
  const isSnapshotDdl = (e: CapturedEvent): boolean =>
    e.topic === MYSQL_TOPIC_PREFIX &&
    (e.value as { payload?: { source?: { snapshot?: string } } } | null)?.payload?.source?.snapshot !==
      'false';
  const count = (events: CapturedEvent[]) => events.filter(isSnapshotDdl).length;
  const [d, s] = [count(r.debezium), count(r.seam)];
  return {
    debezium: r.debezium.filter((e) => !isSnapshotDdl(e)),
    seam: r.seam.filter((e) => !isSnapshotDdl(e)),
    difference:
      d === s
        ? null
        : {
            variant,
            event: `${MYSQL_TOPIC_PREFIX} (snapshot)`,
            topic: MYSQL_TOPIC_PREFIX,
            path: '(snapshot schema change events)',
            debezium: d,
            seam: s,
          },
  };
}

beforeAll(async () => {
  const { classpath } = ensureDebeziumBuild(say);
  conn = await openDatabase(MYSQL_DB, MYSQL_SETUP);
  dir = mkdtempSync(join(tmpdir(), 'seam-dbz-mydiff-'));
  debezium = new DebeziumSide(classpath, MYSQL_VARIANTS, dir, debeziumMysqlConfig, MYSQL_STOP_TOPIC);
  for (const v of MYSQL_VARIANTS) {
    const side = new SeamSide(v, {
      harness: () => new MysqlHarness(),
      config: seamMysqlConfig,
      stopTopic: MYSQL_STOP_TOPIC,
    });
    seam.push(side);
    await side.start();
  }
  say('waiting for both sides to stream');
  await waitUntilStreaming();
  say('running the workload');
  for (const tx of MYSQL_WORKLOAD) {
    await conn.query('BEGIN');
    for (const sql of tx) await conn.query(sql);
    await conn.query('COMMIT');
  }
  say('waiting for the fence event on both sides');
  const dbzEvents = await debezium.finished(CAPTURE_TIMEOUT_MS);
  for (const side of seam) {
    results.set(side.variant.name, {
      debezium: workloadEvents(dbzEvents.get(side.variant.name) ?? []),
      seam: workloadEvents(await side.finished(CAPTURE_TIMEOUT_MS)),
    });
  }
}, 600_000);

afterAll(async () => {
  debezium?.stop();
  for (const side of seam) await side.stop().catch(() => {});
  if (conn) {
    await conn.query(`DROP DATABASE IF EXISTS \`${MYSQL_DB}\``);
    await conn.end();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Seam MySQL source vs Debezium 3.6.1 MySqlConnector on MariaDB (differential)', () => {
  it('captures the same events, field by field, in every variant', () => {
    const all: Difference[] = [];
    for (const v of MYSQL_VARIANTS) {
      const r = withoutSnapshotSchemaEvents(v.name, results.get(v.name)!);
      expect(r.debezium.length, `Debezium events in ${v.name}`).toBeGreaterThan(MYSQL_WORKLOAD.length);
      if (r.difference) all.push(r.difference);
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
    const unknown = all.filter((d) => !MYSQL_KNOWN_DIFFERENCES.some((k) => isKnown(k, d)));
    const stale = MYSQL_KNOWN_DIFFERENCES.filter((k) => !all.some((d) => isKnown(k, d)));
    say(
      `${all.length} differing fields, ${all.length - unknown.length} known (all in ${DIFF_DUMP}); ignored everywhere:\n` +
        IGNORED.map((i) => `  ${i.path.source}${i.op ? ` (op ${i.op})` : ''}: ${i.why}`).join('\n'),
    );
    const report = [
      unknown.length > 0
        ? `${unknown.length} differences not in known-differences.ts (MySQL):\n${renderTable(unknown)}`
        : '',
      stale.length > 0
        ? `known MySQL differences that no longer occur (remove them): ${stale.map((k) => k.id).join(', ')}`
        : '',
    ]
      .filter(Boolean)
      .join('\n\n');
    expect(report, report).toBe('');
  });
});
