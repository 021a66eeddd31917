/**
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2): MurmurHash2, 32-bit, seed 0x9747b28c,
 * 4-byte little-endian chunks. Returns the same signed 32-bit int as the Java client, so keys land on the
 * same partitions as with Kafka's default partitioner.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const chunks = length >>> 2;
  for (let i = 0; i < chunks; i++) {
    const j = i * 4;
    let k = data[j]! | (data[j + 1]! << 8) | (data[j + 2]! << 16) | (data[j + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = chunks * 4;
  // Java's switch falls through from the 3rd trailing byte down to the 1st.
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}
