import { RegistrySnapshot, SUPPLY_POINT_ID_PATTERN, type SupplyPointRows } from '@kyodo/contracts';
import type { RegistryChanges, RegistryRepository } from '@kyodo/persistence';
import { SupplyPointCache } from './supply-point-cache';

/** What a catch-up did, for logs and metrics. */
export type CatchUp =
  | {
      readonly kind: 'reloaded';
      readonly from: string | undefined;
      readonly version: string;
      readonly why: string;
    }
  | {
      readonly kind: 'applied';
      readonly from: string;
      readonly version: string;
      readonly changes: RegistryChanges;
      readonly evicted: number;
      readonly directoryChanged: boolean;
    };

const SUPPLY_POINT_ID_LENGTH = 22;

const NOT_LOOKED_UP: SupplyPointRows = {
  enrollmentsFor: () => {
    throw new Error('supply points are looked up per batch: route with BoundedRegistry.forBatch');
  },
  consentsFor: () => {
    throw new Error('supply points are looked up per batch: route with BoundedRegistry.forBatch');
  },
};

/**
 * The registry as a gateway holds it: parties and agreements (a few thousand rows) whole, the
 * enrollments and consents of supply points (millions) only for the supply points recent batches
 * needed, at most `maxSupplyPoints` of them. `catchUp` applies the change log after the version
 * held: the supply points it names leave the cache, and the parties and agreements are re-read only
 * when some changed. A log that no longer reaches the version held (pruned) means a reload: the
 * parties re-read and the cache dropped. Lookups and catch-ups run one at a time, so a lookup never
 * puts back rows a change just evicted.
 */
export class BoundedRegistry {
  private held = RegistrySnapshot.empty();
  private guarded = this.held.withSupplyPoints(NOT_LOOKED_UP);
  private heldVersion: string | undefined;
  private readonly cache: SupplyPointCache;
  private exclusive: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly repository: RegistryRepository,
    maxSupplyPoints: number,
  ) {
    this.cache = new SupplyPointCache(maxSupplyPoints, (ids) => repository.loadSupplyPoints(ids));
  }

  /**
   * The parties and agreements. Asking it for a supply point's rows throws: routing with it instead
   * of `forBatch` would quietly find no enrollment and no consent.
   */
  get directory(): RegistrySnapshot {
    return this.guarded;
  }

  get version(): string | undefined {
    return this.heldVersion;
  }

  get cached(): {
    readonly size: number;
    readonly hits: number;
    readonly misses: number;
    readonly complete: boolean;
  } {
    return {
      size: this.cache.size,
      hits: this.cache.hits,
      misses: this.cache.misses,
      complete: this.cache.complete,
    };
  }

  /**
   * The registry to route `records` with: the parties and agreements, and the enrollments and
   * consents of the records' supply points. A record's key must equal its subject (else it is
   * rejected before the registry is asked), so the keys name every supply point the batch can need.
   */
  forBatch(records: readonly { readonly key: Buffer | null }[]): Promise<RegistrySnapshot> {
    const keys = new Set<string>();
    for (const record of records) {
      const key = record.key;
      if (key !== null && key.length === SUPPLY_POINT_ID_LENGTH) {
        const id = key.toString('latin1');
        if (SUPPLY_POINT_ID_PATTERN.test(id)) keys.add(id);
      }
    }
    return this.exclusively(async () => this.held.withSupplyPoints(await this.cache.rows(keys)));
  }

  /** Brings what is held up to the current version; loads the parties the first time. */
  catchUp(): Promise<CatchUp> {
    return this.exclusively(async () => {
      const from = this.heldVersion;
      if (from === undefined) return this.reload(from, 'start');
      const changes = await this.repository.changesSince(from, this.cache.max);
      if (!changes.complete) return this.reload(from, 'the change log no longer reaches the version held');
      const directoryChanged =
        changes.parties.length > 0 ||
        changes.agreements.length > 0 ||
        changes.agreementsListed !== this.held.agreementsListed;
      if (directoryChanged) await this.loadDirectory();
      let evicted = 0;
      if (changes.supplyPoints === 'all') {
        evicted = this.cache.size;
        this.cache.clear();
      } else {
        evicted = await this.cache.refresh(changes.supplyPoints);
      }
      // The directory may have been read at a later version: those changes come again, harmlessly.
      this.heldVersion = changes.version;
      return { kind: 'applied', from, version: changes.version, changes, evicted, directoryChanged };
    });
  }

  private async reload(from: string | undefined, why: string): Promise<CatchUp> {
    const version = await this.loadDirectory();
    this.cache.clear();
    // A registry whose supply points all fit is held whole: no lookup per batch, none while the
    // database is down. Read after the directory, so it is at least as new; later changes re-apply.
    const all = await this.repository.loadAllSupplyPoints(this.cache.max);
    if (all !== undefined) this.cache.fill(all);
    this.heldVersion = version;
    return { kind: 'reloaded', from, version, why };
  }

  private async loadDirectory(): Promise<string> {
    const loaded = await this.repository.loadDirectory();
    this.held = new RegistrySnapshot({
      parties: loaded.parties,
      enrollments: [],
      consents: [],
      ...(loaded.agreements === undefined ? {} : { agreements: loaded.agreements }),
    });
    this.guarded = this.held.withSupplyPoints(NOT_LOOKED_UP);
    return loaded.version;
  }

  private exclusively<T>(work: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(work, work);
    this.exclusive = run.catch(() => undefined);
    return run;
  }
}
