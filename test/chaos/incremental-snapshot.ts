import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killAndRestart, randomPause } from './faults.ts';
import type { ChaosPipeline, ChaosWorkload } from './pipeline.ts';
import { sleep } from './rng.ts';
import type { TrialContext } from './scenario.ts';

type AnyContext = TrialContext<ChaosPipeline, ChaosWorkload>;

/** Rows per chunk: small, so a table of a few thousand rows takes hundreds of chunks and kills land inside. */
export const CHUNK_ROWS = 40;

/** SIGKILLs per trial: 3 in CI, 6 in full. */
const killsOf = (ctx: AnyContext) => (ctx.profile === 'full' ? 6 : 3);

/** What the incremental-snapshot scenarios need of their source beyond the trial's pipeline. */
export interface IncrementalSource {
  /** The source connector's name (`pg`, `my`). */
  readonly connector: string;
  /** Inserts an `execute-snapshot` signal for the keyed tables into the signal table. */
  signal(id: string): Promise<void>;
}

/**
 * Adds keys to the source connector file the trial wrote (`source.json`): the signal table's name is per
 * trial, so it cannot be a static `sourceOverrides`. Call from `prepare`, before the worker's first start.
 */
export function extendSourceConfig(ctx: AnyContext, extra: Record<string, string>): void {
  const path = join(ctx.dir, 'source.json');
  const body = JSON.parse(readFileSync(path, 'utf8')) as { config: Record<string, string> };
  body.config = { ...body.config, ...extra };
  writeFileSync(path, JSON.stringify(body, null, 2));
}

/** The source task's `details.incremental_snapshot.running`; null when the worker or the detail is absent. */
async function snapshotRunning(ctx: AnyContext, connector: string): Promise<boolean | null> {
  const status = await ctx.worker.get<{
    tasks?: Array<{ details?: { incremental_snapshot?: { running?: boolean } } }>;
  }>(`/connectors/${connector}/status`);
  const running = status?.tasks?.[0]?.details?.incremental_snapshot?.running;
  return typeof running === 'boolean' ? running : null;
}

/** The committed source offset still carries incremental-snapshot progress (null: no answer). */
async function progressStored(ctx: AnyContext, connector: string): Promise<boolean | null> {
  const answer = await ctx.worker.get<unknown>(`/connectors/${connector}/offsets`);
  if (answer === null) return null;
  return JSON.stringify(answer).includes('incremental_snapshot_collections');
}

/**
 * The tables' pre-existing rows were not captured (`snapshot.mode=no_data`). Sends `execute-snapshot`,
 * waits until the stream has read it (the task reports the snapshot running: from then on every committed
 * transaction is streamed, so the ledger may start), starts the workload, SIGKILLs the worker at random
 * points while chunks are read (3 in CI, 6 in full) and restarts it each time, then waits until the
 * committed offset no longer carries snapshot progress (the snapshot completed) and lets the workload run
 * on a little.
 */
export async function killsDuringIncrementalSnapshot(ctx: AnyContext, source: IncrementalSource) {
  let signals = 0;
  let sentAt = 0;
  const deadline = Date.now() + 120_000;
  while ((await snapshotRunning(ctx, source.connector)) !== true) {
    if (Date.now() > deadline) throw new Error('the execute-snapshot signal was not taken in 120 s');
    // A signal committed before the source fixed its start position is never read: send it again.
    if (Date.now() - sentAt > 5_000) {
      await source.signal(`chaos-execute-${++signals}`);
      sentAt = Date.now();
    }
    await sleep(250);
  }
  ctx.note(`incremental snapshot running after ${signals} signal(s)`);
  ctx.workload.start();
  const kills = killsOf(ctx);
  for (let i = 0; i < kills; i++) {
    await randomPause(ctx, 300, 2_500);
    const running = await snapshotRunning(ctx, source.connector);
    const stored = await progressStored(ctx, source.connector);
    const mid = running === true || stored === true;
    await killAndRestart(
      ctx,
      `during the incremental snapshot (${i + 1})${mid ? '' : ', which had completed'}`,
    );
    if (mid) ctx.count('kills mid-snapshot');
  }
  const until = Date.now() + 240_000;
  while ((await progressStored(ctx, source.connector)) !== false) {
    if (Date.now() > until) throw new Error('the incremental snapshot did not complete within 240 s');
    await sleep(500);
  }
  ctx.faultEnded();
  await randomPause(ctx, 2_000, 4_000);
}

/**
 * After quiescence: the snapshot completed (no progress left in the offset) and resumed after each kill
 * rather than starting over: rows read again (`r` records of a key already read) stay within one chunk
 * per kill. The views equal to the tables (the trial's check) prove every pre-existing row is
 * there and no snapshot read overwrote a newer streamed value.
 */
export async function verifyIncrementalSnapshot(ctx: AnyContext, source: IncrementalSource) {
  const out: string[] = [];
  if ((await progressStored(ctx, source.connector)) !== false)
    out.push('the incremental snapshot left progress in the committed offset (not completed)');
  const reads = new Map<string, number>();
  for (const c of await ctx.pipeline.loggedChanges())
    if (c.op === 'r') reads.set(`${c.table}/${c.key}`, (reads.get(`${c.table}/${c.key}`) ?? 0) + 1);
  let again = 0;
  for (const n of reads.values()) again += n - 1;
  ctx.count(
    'snapshot reads',
    [...reads.values()].reduce((a, b) => a + b, 0),
  );
  ctx.count('snapshot re-reads', again);
  const kills = killsOf(ctx);
  // One table is read at a time, so a kill can cost at most the chunk whose rows were not yet durable.
  const bound = kills * CHUNK_ROWS;
  if (again > bound)
    out.push(
      `the incremental snapshot read ${again} rows again after ${kills} kills (at most ${bound}): it restarted`,
    );
  return out;
}
