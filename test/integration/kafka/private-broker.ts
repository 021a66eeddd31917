/**
 * A one-node Kafka broker of a test's own: free ports, data in a temp dir, its own server properties or
 * Kafka release (test/services/kafka.ts), so a test of broker settings never touches the shared broker on
 * 9092/9094. Stopped and deleted by `stop()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/worker-process.ts';
import { type KafkaServiceOptions, kafkaService } from '../../services/kafka.ts';

export interface PrivateBroker {
  /** PLAINTEXT listener (with an authorizer: User:ANONYMOUS, which a test makes a super user). */
  readonly brokers: string;
  /** SASL_PLAINTEXT listener with PLAIN. */
  readonly saslBrokers: string;
  /** The broker's log, for a failure message. */
  readonly logFile: string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startPrivateBroker(
  options: KafkaServiceOptions = {},
  startTimeoutMs = 180_000,
): Promise<PrivateBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'seam-kafka-private-'));
  const ctx = { dir, logFile: join(dir, 'server.log') };
  const ports = { port: await freePort(), controllerPort: await freePort(), saslPort: await freePort() };
  const service = kafkaService(ports, [`127.0.0.1:${ports.port}`], options);
  const { pid } = await service.launch(ctx);
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const stop = async (keepFiles = false) => {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {}
    const deadline = Date.now() + 30_000;
    while (alive() && Date.now() < deadline) await sleep(100);
    if (alive()) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {}
    }
    if (!keepFiles) rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    try {
      await service.ready(ctx);
      break;
    } catch (error) {
      if (!alive() || Date.now() > deadline) {
        await stop(true);
        throw new Error(`the private Kafka broker did not start (see its log ${ctx.logFile})`, {
          cause: error,
        });
      }
      await sleep(500);
    }
  }
  return {
    brokers: `127.0.0.1:${ports.port}`,
    saslBrokers: `127.0.0.1:${ports.saslPort}`,
    logFile: ctx.logFile,
    stop: () => stop(),
  };
}
