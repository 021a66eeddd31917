/**
 * A server of a test's own (a Kafka broker with other settings, a Cassandra node that checks
 * credentials…), launched from the same Service definitions `npm run services` uses, with its data in a
 * temp dir, so a test of server settings never touches the shared servers. Stopped and deleted by `stop()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from '../services/service.ts';

export interface PrivateServer {
  /** The server's log, for a failure message. */
  readonly logFile: string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Launches `service` and waits until its health query answers (or the process died, or the time ran out). */
export async function startPrivateServer(
  service: Service,
  options: { readonly what: string; readonly startTimeoutMs?: number },
): Promise<PrivateServer> {
  const dir = mkdtempSync(join(tmpdir(), `seam-private-${service.name}-`));
  const ctx = { dir, logFile: join(dir, 'server.log') };
  const { pid } = await service.launch(ctx);
  const stop = async (keepFiles = false) => {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {}
    const deadline = Date.now() + 30_000;
    while (alive(pid) && Date.now() < deadline) await sleep(100);
    if (alive(pid)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {}
    }
    if (!keepFiles) rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 180_000);
  for (;;) {
    try {
      await service.ready(ctx);
      return { logFile: ctx.logFile, stop: () => stop() };
    } catch (error) {
      if (!alive(pid) || Date.now() > deadline) {
        await stop(true);
        throw new Error(`${options.what} did not start (see its log ${ctx.logFile})`, { cause: error });
      }
      await sleep(500);
    }
  }
}
