/**
 * A one-node Kafka broker of a test's own: free ports, data in a temp dir, its own server properties or
 * Kafka release (test/services/kafka.ts), so a test of broker settings never touches the shared broker on
 * 9092/9094. Stopped and deleted by `stop()`.
 */
import { startPrivateServer } from '../../helpers/private-server.ts';
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

export async function startPrivateBroker(
  options: KafkaServiceOptions = {},
  startTimeoutMs = 180_000,
): Promise<PrivateBroker> {
  const ports = { port: await freePort(), controllerPort: await freePort(), saslPort: await freePort() };
  const service = kafkaService(ports, [`127.0.0.1:${ports.port}`], options);
  const server = await startPrivateServer(service, { what: 'the private Kafka broker', startTimeoutMs });
  return {
    brokers: `127.0.0.1:${ports.port}`,
    saslBrokers: `127.0.0.1:${ports.saslPort}`,
    logFile: server.logFile,
    stop: () => server.stop(),
  };
}
