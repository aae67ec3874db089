/**
 * The Java client's default partitioner for keyed records: `murmur2(key) & 0x7fffffff`, so a supply
 * point lands on the same partition whichever client wrote it. The library's own (`compatibilityPartitioner`)
 * computes murmur2 in BigInt arithmetic, a few percent of the gateway's CPU at full load; this is the
 * same hash in 32-bit integer arithmetic (partitioner.spec.ts compares the two).
 */
export function keyPartitioner(_message: unknown, key: unknown): number {
  return Buffer.isBuffer(key) ? murmur2(key) & 0x7fffffff : 0;
}

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils#murmur2). */
export function murmur2(data: Buffer): number {
  const length = data.length;
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  // The tail, as the Java switch with fall-through: bytes 3, 2 and 1 of the last partial word.
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= data[whole + 2] << 16;
    if (tail >= 2) h ^= data[whole + 1] << 8;
    h ^= data[whole];
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}
