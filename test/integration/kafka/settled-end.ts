/**
 * For tests that read back what a worker wrote: Kafka answers EndTxn before it writes the commit markers,
 * so a reader in another process may find the writer's last transaction still open for a moment.
 */
import type { KafkaClient } from '../../../src/log/kafka/client-port.ts';

/**
 * The partition's end once its last stable offset has reached its high watermark (no transaction open).
 * Logs a wait over 2 s; after `timeoutMs` fails, naming the offset a transaction held.
 */
export async function settledEnd(kafka: KafkaClient, topic: string, timeoutMs: number): Promise<number> {
  const admin = await kafka.admin();
  const started = Date.now();
  let heldAt = -1;
  try {
    for (;;) {
      const [stable, high] = await Promise.all([
        admin.partitionBounds(topic, [0], 'read_committed'),
        admin.partitionBounds(topic, [0], 'read_uncommitted'),
      ]);
      const lso = stable.get(0)?.end ?? 0;
      const hwm = high.get(0)?.end ?? 0;
      const waited = Date.now() - started;
      if (lso === hwm) {
        if (waited > 2000)
          console.log(`${topic}: a transaction held the last stable offset at ${heldAt} for ${waited} ms`);
        return lso;
      }
      if (heldAt < 0) heldAt = lso;
      if (waited > timeoutMs)
        throw new Error(`${topic}: a transaction open at offset ${lso} (of ${hwm}) for ${waited} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await admin.close();
  }
}
