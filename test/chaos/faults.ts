import { between, sleep } from './rng.ts';
import type { TrialContext } from './scenario.ts';

/** SIGKILL the worker and start it again on the same data directory; counts the kill. */
export async function killAndRestart(ctx: TrialContext, when: string): Promise<void> {
  await ctx.worker.kill();
  ctx.count('kills');
  ctx.note(`SIGKILL ${when}`);
  await sleep(between(ctx.rng, 0, 500));
  await ctx.worker.start();
}

/** A random pause in [min, max] ms drawn from the trial's generator. */
export function randomPause(ctx: TrialContext, min: number, max: number): Promise<void> {
  return sleep(between(ctx.rng, min, max));
}

/** Outage length: 30–120 s in the full run (the figures), 2–5 s in CI. */
export function outageMs(ctx: TrialContext): number {
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
