import type { ChaosPipeline, ChaosWorkload } from './pipeline.ts';
import { between, sleep } from './rng.ts';
import type { TrialContext } from './scenario.ts';

/** The faults below work on any pipeline. */
type AnyContext = TrialContext<ChaosPipeline, ChaosWorkload>;

/** SIGKILL the worker and start it again on the same data directory; counts the kill. */
export async function killAndRestart(ctx: AnyContext, when: string): Promise<void> {
  await ctx.worker.kill();
  ctx.count('kills');
  ctx.note(`SIGKILL ${when}`);
  await sleep(between(ctx.rng, 0, 500));
  await ctx.worker.start();
}

/** A random pause in [min, max] ms drawn from the trial's generator. */
export function randomPause(ctx: AnyContext, min: number, max: number): Promise<void> {
  return sleep(between(ctx.rng, min, max));
}

/** Outage length: 30–120 s in the full run (the figures), 2–5 s in CI. */
export function outageMs(ctx: AnyContext): number {
  return ctx.profile === 'full' ? between(ctx.rng, 30_000, 120_000) : between(ctx.rng, 2_000, 5_000);
}

/** The snapshot progress in the source task's status, when it reports one. */
export async function snapshotRunning(ctx: TrialContext): Promise<boolean> {
  const status = await ctx.worker.get<{ tasks: Array<{ details?: Record<string, unknown> }> }>(
    '/connectors/pg/status',
  );
  const text = JSON.stringify(status?.tasks?.[0]?.details ?? {});
  return /snapshot/i.test(text) && !/"completed"|"done"|"finished"/i.test(text);
}

/** SIGKILL at random points while the workload streams: 2 in CI, 5 in full. */
export async function killsWhileStreaming(ctx: AnyContext): Promise<void> {
  const kills = ctx.profile === 'full' ? 5 : 2;
  await randomPause(ctx, 2_000, 4_000);
  for (let i = 0; i < kills; i++) {
    await randomPause(ctx, 500, 4_000);
    await killAndRestart(ctx, `while streaming (${i + 1})`);
  }
  await randomPause(ctx, 500, 2_000);
}

/**
 * SIGKILL twice while the initial snapshot is read and written (each after 0.3 s to `maxPauseMs`), then
 * the workload starts once the views hold the snapshot (for a scenario with `startsWorkload`).
 */
export async function killsDuringSnapshot(ctx: AnyContext, maxPauseMs = 3_000): Promise<void> {
  for (let i = 0; i < 2; i++) {
    await randomPause(ctx, 300, maxPauseMs);
    const done = await ctx.untilViewsEqual(0);
    await killAndRestart(ctx, `during the snapshot (${i + 1})${done ? ', which had already completed' : ''}`);
    if (!done) ctx.count('kills mid-snapshot');
  }
  if (!(await ctx.untilViewsEqual(180_000))) throw new Error('the snapshot did not complete within 180 s');
  ctx.faultEnded();
  ctx.workload.start();
  await randomPause(ctx, 2_000, 4_000);
}

/** The sink's server unreachable through the proxy (connections reset, then refused) for an outage. */
export async function proxyOutage(ctx: AnyContext, server: string): Promise<void> {
  await randomPause(ctx, 2_000, 4_000);
  const ms = outageMs(ctx);
  await ctx.proxy.set({ kind: 'down' });
  ctx.note(`${server} down for ${ms} ms`);
  ctx.count('outage seconds', Math.round(ms / 1000));
  await sleep(ms);
  await ctx.proxy.set({ kind: 'pass' });
  ctx.faultEnded();
  await randomPause(ctx, 500, 2_000);
}

/** Connections to the sink's server reset after 1-64 KB towards it, for the length of an outage. */
export async function proxyResets(ctx: AnyContext, server: string): Promise<void> {
  await randomPause(ctx, 1_000, 3_000);
  const resetAfterBytes = between(ctx.rng, 1_024, 65_536);
  const ms = outageMs(ctx);
  await ctx.proxy.set({ kind: 'reset', resetAfterBytes });
  ctx.note(`connections to ${server} reset after ${resetAfterBytes} bytes for ${ms} ms`);
  await sleep(ms);
  await ctx.proxy.set({ kind: 'pass' });
  ctx.count('connections reset', ctx.proxy.resets);
  ctx.faultEnded();
  await randomPause(ctx, 500, 2_000);
}
