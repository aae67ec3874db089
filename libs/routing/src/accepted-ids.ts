/**
 * The memory of accepted (source, id) pairs that refuses a re-sent event as `duplicate`.
 *
 * Kept per inbox partition (a re-sent event has the same subject, so the same key and partition), as
 * 52-bit hashes with the time of acceptance, for a sliding window (7 days by default). Pure: the gateway
 * writes each batch's newly accepted ids to a state topic in the batch's transaction and restores
 * them from there when it takes over a partition, so memory and Kafka cannot disagree after a crash.
 *
 * Cost: about 40 bytes per remembered id in a Map. A partition receiving one event per supply point and
 * day for 100,000 supply points holds 700,000 ids over 7 days, about 28 MiB.
 */
export class AcceptedIds {
  private readonly partitions = new Map<string, Map<number, number>>();
  /** Accepted in the batch being routed, not yet committed: visible to `has` within the batch. */
  private staged: Map<string, Map<number, number>> = new Map();

  constructor(readonly windowMs = 7 * 24 * 3600_000) {}

  static key(topic: string, partition: number): string {
    return `${topic}:${partition}`;
  }

  /** Whether (source, id) was accepted on this partition within the window before `nowMs`. */
  has(partitionKey: string, source: string, id: string, nowMs: number): boolean {
    const hash = idHash(source, id);
    const staged = this.staged.get(partitionKey)?.get(hash);
    if (staged !== undefined) return true;
    const at = this.partitions.get(partitionKey)?.get(hash);
    return at !== undefined && nowMs - at < this.windowMs;
  }

  /** Records an acceptance of the batch being routed; it counts once `commit()` is called. */
  stage(partitionKey: string, source: string, id: string, nowMs: number): void {
    let ids = this.staged.get(partitionKey);
    if (!ids) this.staged.set(partitionKey, (ids = new Map<number, number>()));
    ids.set(idHash(source, id), nowMs);
  }

  /** The staged hashes per partition, for the state records written with the batch. */
  stagedEntries(): ReadonlyMap<string, ReadonlyMap<number, number>> {
    return this.staged;
  }

  /** The batch committed: its acceptances become memory. */
  commit(): void {
    for (const [key, ids] of this.staged) {
      const target = this.memoryOf(key);
      for (const [hash, at] of ids) target.set(hash, at);
    }
    this.staged = new Map<string, Map<number, number>>();
  }

  /** The batch did not commit: forget what it staged. */
  discard(): void {
    this.staged = new Map<string, Map<number, number>>();
  }

  /** Adds restored acceptances (from the state topic) for a partition. */
  restore(partitionKey: string, hashes: readonly number[], atMs: number): void {
    const target = this.memoryOf(partitionKey);
    for (const hash of hashes) {
      const previous = target.get(hash);
      if (previous === undefined || previous < atMs) target.set(hash, atMs);
    }
  }

  /** Drops a partition's memory (it is no longer assigned here, or is about to be restored afresh). */
  forget(partitionKey: string): void {
    this.partitions.delete(partitionKey);
  }

  /** Keeps only the partitions in `keys`. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of [...this.partitions.keys()]) if (!keys.has(key)) this.partitions.delete(key);
  }

  /** Drops acceptances older than the window; returns how many were dropped. */
  expire(nowMs: number): number {
    let dropped = 0;
    for (const ids of this.partitions.values()) {
      for (const [hash, at] of ids) {
        if (nowMs - at >= this.windowMs) {
          ids.delete(hash);
          dropped += 1;
        }
      }
    }
    return dropped;
  }

  get size(): number {
    let n = 0;
    for (const ids of this.partitions.values()) n += ids.size;
    return n;
  }

  private memoryOf(key: string): Map<number, number> {
    let ids = this.partitions.get(key);
    if (!ids) this.partitions.set(key, (ids = new Map<number, number>()));
    return ids;
  }
}

/**
 * A 52-bit hash of (source, id): two 32-bit FNV-1a passes with different offsets, so it fits a double
 * exactly. Within one partition's window, a false match (a new event refused as a duplicate) has a
 * probability of about n²/2^53: 5·10⁻⁵ for 700,000 ids.
 */
export function idHash(source: string, id: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const mix = (code: number) => {
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995) ^ (b >>> 15);
  };
  for (let i = 0; i < source.length; i++) mix(source.charCodeAt(i));
  mix(0x0a);
  for (let i = 0; i < id.length; i++) mix(id.charCodeAt(i));
  return (a >>> 0) * 0x100000 + ((b >>> 0) & 0xfffff);
}
