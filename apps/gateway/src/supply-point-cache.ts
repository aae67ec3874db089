import { LRUCache } from 'lru-cache';
import type { Consent, Enrollment, SupplyPointRows } from '@kyodo/contracts';

interface Entry {
  readonly enrollments: readonly Enrollment[];
  readonly consents: readonly Consent[];
}

/** Most supply points have neither: one shared entry for them. */
const NONE: Entry = Object.freeze({ enrollments: Object.freeze([]), consents: Object.freeze([]) });

export type SupplyPointLoader = (
  supplyPointIds: readonly string[],
) => Promise<{ enrollments: readonly Enrollment[]; consents: readonly Consent[] }>;

/**
 * The enrollments and consents of the supply points recent batches needed, at most `max` of them
 * (least recently used go first). A batch asks for its supply points at once: those not held are read
 * in one query, and the batch gets its own pinned copy, so an eviction while it is routed changes
 * nothing under it. The caller keeps the cache coherent by evicting what the change log names.
 *
 * When every supply point with a row fits (`fill`), the cache is *complete*: a supply point it does not
 * hold has no rows, so a batch never waits for the database, and routing goes on while it is down.
 * A change then re-reads the supply points it names (`refresh`); one that would overflow `max` ends
 * completeness, and lookups go back to the database.
 */
export class SupplyPointCache {
  private readonly entries: LRUCache<string, Entry>;
  private whole = false;
  hits = 0;
  misses = 0;

  constructor(
    readonly max: number,
    private readonly load: SupplyPointLoader,
  ) {
    this.entries = new LRUCache<string, Entry>({ max });
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether every supply point with a row is held (so one not held has none). */
  get complete(): boolean {
    return this.whole;
  }

  /** Holds exactly these rows, and marks the cache complete if they fit. */
  fill(rows: { readonly enrollments: readonly Enrollment[]; readonly consents: readonly Consent[] }): void {
    this.entries.clear();
    const grouped = group(rows);
    if (grouped.size > this.max) {
      this.whole = false;
      return;
    }
    for (const [id, entry] of grouped) this.entries.set(id, entry);
    this.whole = true;
  }

  /**
   * After a change to `supplyPointIds`: a complete cache re-reads them (so it stays complete unless
   * they no longer fit); a partial one evicts them. Returns how many entries were dropped or replaced.
   */
  async refresh(supplyPointIds: readonly string[]): Promise<number> {
    if (!this.whole) return this.evict(supplyPointIds);
    const grouped = group(await this.load(supplyPointIds));
    let touched = 0;
    for (const id of supplyPointIds) {
      if (this.entries.has(id)) touched += 1;
      this.entries.delete(id);
    }
    if (this.entries.size + grouped.size > this.max) {
      this.whole = false;
      return touched;
    }
    for (const [id, entry] of grouped) this.entries.set(id, entry);
    return touched;
  }

  /** The rows of `supplyPointIds` (distinct or not), from the cache or the database. */
  async rows(supplyPointIds: Iterable<string>): Promise<SupplyPointRows> {
    const pinned = new Map<string, Entry>();
    const wanted = new Set<string>();
    for (const id of supplyPointIds) wanted.add(id);
    const missing: string[] = [];
    for (const id of wanted) {
      const entry = this.entries.get(id);
      if (entry !== undefined) {
        pinned.set(id, entry);
        this.hits += 1;
      } else if (this.whole) {
        pinned.set(id, NONE);
        this.hits += 1;
      } else {
        missing.push(id);
      }
    }
    if (missing.length > 0) {
      this.misses += missing.length;
      const found = group(await this.load(missing));
      for (const id of missing) {
        const entry = found.get(id) ?? NONE;
        this.entries.set(id, entry);
        pinned.set(id, entry);
      }
    }
    return new PinnedRows(pinned);
  }

  evict(supplyPointIds: Iterable<string>): number {
    let evicted = 0;
    for (const id of supplyPointIds) if (this.entries.delete(id)) evicted += 1;
    return evicted;
  }

  clear(): void {
    this.entries.clear();
    this.whole = false;
  }
}

function group(rows: {
  readonly enrollments: readonly Enrollment[];
  readonly consents: readonly Consent[];
}): Map<string, Entry> {
  const found = new Map<string, { enrollments: Enrollment[]; consents: Consent[] }>();
  const of = (id: string) => {
    let entry = found.get(id);
    if (entry === undefined) found.set(id, (entry = { enrollments: [], consents: [] }));
    return entry;
  };
  for (const e of rows.enrollments) of(e.supplyPointId).enrollments.push(e);
  for (const c of rows.consents) of(c.supplyPointId).consents.push(c);
  return found;
}

/** One batch's supply points. Asking for another is a fault (the batch's keys were not all looked up). */
class PinnedRows implements SupplyPointRows {
  constructor(private readonly pinned: ReadonlyMap<string, Entry>) {}

  enrollmentsFor(supplyPointId: string): readonly Enrollment[] {
    return this.entry(supplyPointId).enrollments;
  }

  consentsFor(supplyPointId: string): readonly Consent[] {
    return this.entry(supplyPointId).consents;
  }

  private entry(supplyPointId: string): Entry {
    const entry = this.pinned.get(supplyPointId);
    if (entry === undefined) throw new Error('a supply point outside the batch was looked up');
    return entry;
  }
}
