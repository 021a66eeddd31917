import { murmur2 } from './murmur2.ts';

/**
 * Kafka's default partitioner for keyed records (BuiltInPartitioner.partitionForKey):
 * `toPositive(murmur2(key)) % numPartitions`, where toPositive clears the sign bit (not Math.abs).
 * Records without a key have no Kafka-defined partition; the log places them on partition 0.
 */
export function partitionForKey(key: Uint8Array | null, numPartitions: number): number {
  // One partition: no hash to compute (the common case of a change topic).
  if (key === null || numPartitions === 1) return 0;
  return (murmur2(key) & 0x7fffffff) % numPartitions;
}
