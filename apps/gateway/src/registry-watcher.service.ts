import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { topicsFor, type RegistrySnapshot } from '@kyodo/contracts';
import type { KyodoConfig } from '@kyodo/config';
import type { KafkaPort } from '@kyodo/kafka';
import type { KyodoMetrics, Logger } from '@kyodo/observability';
import { RegistryRepository } from '@kyodo/persistence';
import {
  CLOCK,
  CONFIG,
  DATA_SOURCE,
  KAFKA,
  LOGGER,
  METRICS,
  provisionTopics,
  topicOptions,
} from '@kyodo/platform';
import { RegistryFreshness } from './registry-freshness';
import { BoundedRegistry, type CatchUp } from './bounded-registry';

export type RegistryListener = (snapshot: RegistrySnapshot) => Promise<void>;

/**
 * Keeps the gateway's registry current without holding all of it (see BoundedRegistry: parties and
 * agreements whole, supply points' enrollments and consents per batch through a bounded cache). It
 * polls the registry version (a cheap query) and, when an import changed it, applies the change log
 * after the version it holds; when the parties changed, new parties' topics are made and the
 * listeners told. A failed poll keeps what it holds and is retried on the next tick; once the last
 * successful one is older than KYODO_REGISTRY_MAX_STALENESS_MS the copy counts as stale
 * (`isCurrent()` is false, logged and measured) until a refresh succeeds again.
 */
@Injectable()
export class RegistryWatcher implements OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: RegistryListener[] = [];
  private readonly repository: RegistryRepository;
  private readonly registry: BoundedRegistry;
  private polling: Promise<void> | undefined;
  private readonly freshness: RegistryFreshness;

  constructor(
    @Inject(CONFIG) private readonly config: KyodoConfig,
    @Inject(DATA_SOURCE) dataSource: DataSource,
    @Inject(KAFKA) private readonly kafka: KafkaPort,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: KyodoMetrics,
    @Inject(CLOCK) clock: () => Date,
  ) {
    this.repository = new RegistryRepository(dataSource);
    this.registry = new BoundedRegistry(this.repository, config.registryCacheSupplyPoints);
    this.freshness = new RegistryFreshness(config.registryMaxStalenessMs, clock, (change) => {
      metrics.registryStale.set(change.stale ? 1 : 0);
      if (change.stale) {
        logger.warn(
          { registryAgeMs: change.ageMs, maxStalenessMs: config.registryMaxStalenessMs },
          'registry copy is stale: nothing is delivered under consented-third-party until a refresh succeeds',
        );
      } else {
        logger.info({ registryAgeMs: change.ageMs }, 'registry copy is current again');
      }
    });
  }

  /** The parties and agreements (no supply point's rows: see `forBatch`). */
  current(): RegistrySnapshot {
    return this.registry.directory;
  }

  /** The registry to route these records with (see BoundedRegistry.forBatch). */
  async forBatch(records: readonly { readonly key: Buffer | null }[]): Promise<RegistrySnapshot> {
    const before = this.registry.cached;
    const snapshot = await this.registry.forBatch(records);
    const after = this.registry.cached;
    this.metrics.registrySupplyPointLookups.inc({ from: 'cache' }, after.hits - before.hits);
    this.metrics.registrySupplyPointLookups.inc({ from: 'database' }, after.misses - before.misses);
    this.metrics.registrySupplyPointsCached.set(after.size);
    return snapshot;
  }

  /** Whether the registry copy was confirmed current within the staleness bound (contract v1.1). */
  isCurrent(): boolean {
    const current = this.freshness.isCurrent();
    this.metrics.registryAgeSeconds.set(this.freshness.ageMs() / 1000);
    return current;
  }

  onChange(listener: RegistryListener): void {
    this.listeners.push(listener);
  }

  /** Loads the parties once (failing loudly), then keeps polling. */
  async start(): Promise<RegistrySnapshot> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.polling ??= this.refresh()
        .catch((error: Error) =>
          this.logger.warn({ err: error }, 'registry refresh failed; keeping the last snapshot'),
        )
        .finally(() => {
          this.polling = undefined;
          this.isCurrent(); // logs and measures a change of staleness even while no batch asks
        });
    }, this.config.registryRefreshMs);
    this.timer.unref();
    return this.registry.directory;
  }

  async refresh(): Promise<void> {
    // Taken before asking: the copy is known current as of the moment the question was put.
    const asked = this.freshness.now();
    const version = String(await this.repository.currentVersion());
    if (version === this.registry.version) {
      this.freshness.confirmed(asked);
      return;
    }
    const done = await this.registry.catchUp();
    const partiesChanged = done.kind === 'reloaded' || done.directoryChanged;
    if (partiesChanged) {
      const created = await provisionTopics(
        this.kafka,
        topicsFor(this.config.topicPrefix),
        this.registry.directory.parties.keys(),
        this.config.partitionsPerTopic,
        topicOptions(this.config),
      );
      if (created.length > 0) this.logger.info({ topicsCreated: created.length }, 'party topics created');
    }
    this.freshness.confirmed(asked);
    this.metrics.registryVersion.set(Number(done.version));
    this.report(done);
    if (partiesChanged) for (const listener of this.listeners) await listener(this.registry.directory);
  }

  private report(done: CatchUp): void {
    this.metrics.registrySupplyPointsCached.set(this.registry.cached.size);
    if (done.kind === 'reloaded') {
      this.metrics.registryReloads.inc();
      this.logger.info(
        { registryVersion: done.version, parties: this.registry.directory.parties.size, why: done.why },
        'registry loaded',
      );
      return;
    }
    const { changes } = done;
    const applied = this.metrics.registryChangesApplied;
    if (changes.supplyPoints === 'all') applied.inc({ kind: 'all-supply-points' });
    else applied.inc({ kind: 'supply-point' }, changes.supplyPoints.length);
    applied.inc({ kind: 'party' }, changes.parties.length);
    applied.inc({ kind: 'agreement' }, changes.agreements.length);
    this.logger.info(
      {
        from: done.from,
        registryVersion: done.version,
        parties: changes.parties.length,
        agreements: changes.agreements.length,
        supplyPoints: changes.supplyPoints === 'all' ? 'all' : changes.supplyPoints.length,
        evicted: done.evicted,
      },
      'registry changes applied',
    );
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.polling;
  }
}
