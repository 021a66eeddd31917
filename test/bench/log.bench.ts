/**
 * `npm run bench -- log [records] [--sync=full|normal] [--batch=1000]`: appends then reads `records`
 * (default 1M) records of 200-byte values through the embedded TopicLog, in batches. The baseline, run in
 * the same process, inserts the same bytes with node:sqlite directly (WAL, same synchronous, one prepared
 * INSERT per row, one transaction per batch) and reads them back in pages of the same size, as row objects
 * (node:sqlite's default). It keeps locking_mode=EXCLUSIVE (no shared-memory WAL index, no lock calls per
 * transaction): the library's best case, and what the log used before it admitted read-only openers. A reference line shows the library's floor: array rows, no record objects.
 * Also prints how long one append batch holds the event loop (the calls are synchronous).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { EmbeddedTopicLog } from '../../src/log/embedded/embedded-topic-log.ts';
import type { AppendRecord } from '../../src/log/topic-log.ts';
import { type Measurement, printMeasurement, printRatio, timed } from './report.ts';

const VALUE_BYTES = 200;

export async function run(args: string[]): Promise<void> {
  const records = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const sync = args.includes('--sync=normal') ? 'normal' : 'full';
  const batch = Number(args.find((a) => a.startsWith('--batch='))?.slice(8) ?? 1000);
  const bytes = records * VALUE_BYTES;
  console.log(
    `embedded log: ${records} records × ${VALUE_BYTES} B, batches of ${batch}, synchronous=${sync}`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'seam-bench-log-'));
  const baseline = openBaseline(join(dir, 'baseline'), sync);
  const seam = await openSeam(join(dir, 'seam'), sync);
  const time = { baseAppend: 0, seamAppend: 0, baseRead: 0, seamRead: 0, arraysRead: 0 };
  const appendMs: number[] = [];
  try {
    // Interleaved rounds: the machine is shared, so both sides see the same background load.
    const rounds = 10;
    const perRound = Math.ceil(records / rounds / batch) * batch;
    for (let from = 0; from < records; from += perRound) {
      const to = Math.min(records, from + perRound);
      time.baseAppend += (await timed(() => baseline.append(from, to, batch))).seconds;
      time.seamAppend += (await timed(() => seam.append(from, to, batch, appendMs))).seconds;
    }
    for (let from = 0; from < records; from += perRound) {
      const to = Math.min(records, from + perRound);
      time.seamRead += (await timed(() => seam.read(from, to, batch))).seconds;
      time.baseRead += (await timed(() => baseline.read(from, to, batch))).seconds;
      time.arraysRead += (await timed(() => baseline.readArrays(from, to, batch))).seconds;
    }
  } finally {
    baseline.close();
    await seam.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const m = (label: string, seconds: number): Measurement => ({ label, items: records, bytes, seconds });
  printMeasurement(m('baseline append (node:sqlite)', time.baseAppend));
  printMeasurement(m('seam append', time.seamAppend));
  printMeasurement(m('baseline read (node:sqlite)', time.baseRead));
  printMeasurement(m('seam read', time.seamRead));
  printMeasurement(m('(ref) raw read, array rows', time.arraysRead));
  printRatio('append seam / baseline', m('seam', time.seamAppend), m('baseline', time.baseAppend), 0.6);
  printRatio('read seam / baseline', m('seam', time.seamRead), m('baseline', time.baseRead), 1.0);
  printRatio('(ref) read seam / raw array rows', m('seam', time.seamRead), m('raw', time.arraysRead));
  const sorted = appendMs.sort((a, b) => a - b);
  const pct = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!.toFixed(2);
  console.log(
    `event loop held per append of ${batch}: p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${pct(100)} ms`,
  );
}

function value(i: number): Uint8Array {
  const v = new Uint8Array(VALUE_BYTES);
  new DataView(v.buffer).setUint32(0, i);
  return v;
}

function openBaseline(dir: string, sync: string) {
  mkdirSync(dir);
  const db = new DatabaseSync(join(dir, 'base.sqlite'));
  db.exec(
    `PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA synchronous = ${sync.toUpperCase()}`,
  );
  db.exec('CREATE TABLE t (off INTEGER PRIMARY KEY, value BLOB)');
  const insert = db.prepare('INSERT INTO t (off, value) VALUES (?, ?)');
  // The goal baseline reads rows the way node:sqlite returns them by default (objects); `readArrays` is
  // the floor of the library (array rows, nothing built per record), printed for reference.
  const select = db.prepare('SELECT off, value FROM t WHERE off >= ? ORDER BY off LIMIT ?');
  const selectArrays = db.prepare('SELECT off, value FROM t WHERE off >= ? ORDER BY off LIMIT ?');
  selectArrays.setReturnArrays(true);
  return {
    append(from: number, to: number, batch: number): void {
      for (let off = from; off < to; ) {
        db.exec('BEGIN IMMEDIATE');
        for (let i = 0; i < batch && off < to; i++, off++) insert.run(off, value(i));
        db.exec('COMMIT');
      }
    },
    read(from: number, to: number, batch: number): void {
      for (let off = from; off < to; ) {
        const rows = select.all(off, Math.min(batch, to - off)) as { off: number; value: Uint8Array }[];
        off = rows[rows.length - 1]!.off + 1;
      }
    },
    readArrays(from: number, to: number, batch: number): void {
      for (let off = from; off < to; ) {
        const rows = selectArrays.all(off, Math.min(batch, to - off)) as unknown as [number, Uint8Array][];
        off = rows[rows.length - 1]![0] + 1;
      }
    },
    close: () => db.close(),
  };
}

async function openSeam(dir: string, sync: 'full' | 'normal') {
  const log = await EmbeddedTopicLog.open({ dataDir: dir, synchronous: sync, maintenanceIntervalMs: 0 });
  await log.createTopics(new Map([['bench', { partitions: 1 }]]));
  return {
    async append(from: number, to: number, batch: number, heldMs: number[]): Promise<void> {
      for (let off = from; off < to; off += batch) {
        const records: AppendRecord[] = [];
        for (let i = 0; i < batch && off + i < to; i++) {
          records.push({
            topic: 'bench',
            partition: 0,
            key: null,
            value: value(i),
            headers: [],
            timestamp: null,
          });
        }
        const start = performance.now();
        const pending = log.append(records);
        // append runs synchronously up to its commit; the time until it returns is time the loop is held.
        heldMs.push(performance.now() - start);
        await pending;
      }
    },
    async read(from: number, to: number, batch: number): Promise<void> {
      for (let off = from; off < to; ) {
        const page = await log.read('bench', 0, off, Math.min(batch, to - off));
        off = page[page.length - 1]!.offset + 1;
      }
    },
    close: () => log.close(),
  };
}
