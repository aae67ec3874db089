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
  /**
   * Accepted in batches routed but not yet committed, oldest first, one layer per batch (two while a
   * batch is routed as the one before it commits). Visible to `has`, so a copy in the next batch is
   * refused too.
   */
  private staged: StagedLayer[] = [];

  constructor(readonly windowMs = 7 * 24 * 3600_000) {}

  static key(topic: string, partition: number): string {
    return `${topic}:${partition}`;
  }

  /** Whether (source, id) was accepted on this partition within the window before `nowMs`. */
  has(partitionKey: string, source: string, id: string, nowMs: number): boolean {
    const hash = idHash(source, id);
    for (let i = 0; i < this.staged.length; i++) {
      if (this.staged[i].ids.get(partitionKey)?.has(hash)) return true;
    }
    const at = this.partitions.get(partitionKey)?.get(hash);
    return at !== undefined && nowMs - at < this.windowMs;
  }

  /**
   * Starts the layer of `batch`, about to be routed; `stage` adds to it. Every other layer is dropped
   * but that of `committing`, the batch whose commit is still under way: anything else left staged
   * belongs to an attempt that will never commit.
   */
  begin(batch: object, committing?: object): void {
    this.staged = this.staged.filter((layer) => committing !== undefined && layer.batch === committing);
    this.staged.push({ batch, ids: new Map() });
  }

  /** Records an acceptance of the batch being routed; it counts once that batch is committed. */
  stage(partitionKey: string, source: string, id: string, nowMs: number): void {
    if (this.staged.length === 0) this.staged.push({ batch: undefined, ids: new Map() });
    const layer = this.staged[this.staged.length - 1].ids;
    let ids = layer.get(partitionKey);
    if (!ids) layer.set(partitionKey, (ids = new Map<number, number>()));
    ids.set(idHash(source, id), nowMs);
  }

  /** The hashes the batch being routed staged, per partition, for the state records written with it. */
  stagedEntries(): ReadonlyMap<string, ReadonlyMap<number, number>> {
    return this.staged[this.staged.length - 1]?.ids ?? new Map();
  }

  /** A batch committed (by default the oldest staged): its acceptances become memory. */
  commit(batch?: object): void {
    const at = batch === undefined ? 0 : this.staged.findIndex((layer) => layer.batch === batch);
    if (at < 0 || at >= this.staged.length) return;
    const [layer] = this.staged.splice(at, 1);
    for (const [key, ids] of layer.ids) {
      const target = this.memoryOf(key);
      for (const [hash, at] of ids) target.set(hash, at);
    }
  }

  /** A batch did not commit, and so neither will any routed after it: forget every layer. */
  discard(): void {
    this.staged = [];
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

/** One batch's acceptances: per inbox partition, id hash → time of acceptance. */
interface StagedLayer {
  /** The batch it belongs to, as the caller identifies it (undefined when staged without `begin`). */
  readonly batch: object | undefined;
  readonly ids: Map<string, Map<number, number>>;
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
