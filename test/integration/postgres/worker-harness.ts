import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';
import { baseConfig } from './harness.ts';

/**
 * Helpers for PostgreSQL tests that run the connector inside a real `seam start` child process
 * (test/helpers/worker-process.ts) and read the embedded log it wrote once it has exited.
 */
export class WorkerDir {
  readonly dir = mkdtempSync(join(tmpdir(), 'seam-pg-'));
  readonly dataDir = join(this.dir, 'data');

  writeJson(name: string, body: unknown): string {
    const path = join(this.dir, name);
    writeFileSync(path, JSON.stringify(body));
    return path;
  }

  /** A connector file for `seam start` with the PostgreSQL source and the test server's settings. */
  connectorFile(name: string, overrides: Record<string, string>): string {
    return this.writeJson(`${name}.json`, { name, config: baseConfig(overrides) });
  }

  /** Opens the embedded log of the (stopped) worker. */
  async withLog<T>(fn: (log: EmbeddedTopicLog) => Promise<T>): Promise<T> {
    const log = await EmbeddedTopicLog.open({ dataDir: this.dataDir, maintenanceIntervalMs: 0 });
    try {
      return await fn(log);
    } finally {
      await log.close();
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface LoggedRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: unknown;
  /** The JSON converter's payload; null for a tombstone. */
  readonly value: Record<string, unknown> | null;
}

/** Every record of `topic`, partition by partition, in log order, key and value decoded from JSON. */
export async function readTopic(log: EmbeddedTopicLog, topic: string): Promise<LoggedRecord[]> {
  const out: LoggedRecord[] = [];
  const described = await log.describeTopic(topic);
  for (let p = 0; p < (described?.partitions ?? 0); p++) {
    for (let offset = 0; ; ) {
      const batch = await log.read(topic, p, offset, 10_000);
      if (batch.length === 0) break;
      for (const r of batch) {
        out.push({
          partition: p,
          offset: r.offset,
          key: r.key ? payload(r.key) : null,
          value: r.value ? (payload(r.value) as Record<string, unknown>) : null,
        });
      }
      offset = batch[batch.length - 1]!.offset + 1;
    }
  }
  return out;
}

function payload(bytes: Uint8Array): unknown {
  const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as { payload?: unknown };
  return parsed !== null && typeof parsed === 'object' && 'payload' in parsed ? parsed.payload : parsed;
}

/** PostgreSQL's textual LSN (`16/B374D848`) as a bigint. */
export function lsnValue(text: string): bigint {
  const [hi, lo] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

export interface SlotRow {
  readonly active: boolean;
  readonly confirmed: bigint | null;
}

export async function slotRow(db: pg.Client, slot: string): Promise<SlotRow | null> {
  const { rows } = await db.query(
    'SELECT active, confirmed_flush_lsn::text AS f FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  const row = rows[0] as { active: boolean; f: string | null } | undefined;
  return row ? { active: row.active, confirmed: row.f ? lsnValue(row.f) : null } : null;
}

/** Removes the slot and publication a test uses, so each run starts clean. */
export async function dropSlotAndPublication(
  db: pg.Client,
  slot: string,
  publication: string,
): Promise<void> {
  await db.query(
    'SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active',
    [slot],
  );
  for (let i = 0; i < 50; i++) {
    const { rows } = await db.query(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
      [slot],
    );
    const left = await slotRow(db, slot);
    if (left === null || rows.length > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await db.query(`DROP PUBLICATION IF EXISTS ${publication}`);
}

/** Resolves once a walsender streams from `slot` (START_REPLICATION issued: any snapshot is done). */
export async function waitForStreaming(db: pg.Client, slot: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query(
      `SELECT 1 FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid
        WHERE s.slot_name = $1 AND r.state IN ('streaming', 'catchup')`,
      [slot],
    );
    if (rows.length > 0) return;
    if (Date.now() > deadline) throw new Error(`slot ${slot} is not streaming after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
