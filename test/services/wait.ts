import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Called between attempts; throwing stops the wait (e.g. the server process died). */
  abortIf?: () => void;
}

/** Retries `attempt` until it resolves; the timeout error carries the last failure. */
export async function waitFor<T>(attempt: () => Promise<T>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    options.abortIf?.();
    try {
      return await attempt();
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const reason = last instanceof Error ? last.message : String(last);
      throw new Error(`${options.what} not ready after ${options.timeoutMs / 1000}s: ${reason}`);
    }
    await sleep(options.intervalMs ?? 500);
  }
}
