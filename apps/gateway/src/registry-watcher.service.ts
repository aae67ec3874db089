import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { RegistrySnapshot, topicsFor } from '@kyodo/contracts';
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

export type RegistryListener = (snapshot: RegistrySnapshot) => Promise<void>;

/**
 * Keeps the gateway's registry current: polls the registry version (a cheap query) and, when an import
 * changed it, loads a new immutable snapshot, makes sure the new parties' topics exist and tells the
 * listeners. A failed poll keeps the last good snapshot and is retried on the next tick; once the last
 * successful one is older than KYODO_REGISTRY_MAX_STALENESS_MS the copy counts as stale (`isCurrent()`
 * is false, logged and measured) until a refresh succeeds again.
 */
@Injectable()
export class RegistryWatcher implements OnModuleDestroy {
  private snapshot = RegistrySnapshot.empty();
  private version: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: RegistryListener[] = [];
  private readonly repository: RegistryRepository;
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

  current(): RegistrySnapshot {
    return this.snapshot;
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

  /** Loads the registry once (failing loudly), then keeps polling. */
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
    return this.snapshot;
  }

  async refresh(): Promise<void> {
    // Taken before asking: the copy is known current as of the moment the question was put.
    const asked = this.freshness.now();
    const version = String(await this.repository.currentVersion());
    if (version === this.version) {
      this.freshness.confirmed(asked);
      return;
    }
    const loaded = await this.repository.loadSnapshot();
    const snapshot = new RegistrySnapshot(loaded.data);
    const created = await provisionTopics(
      this.kafka,
      topicsFor(this.config.topicPrefix),
      snapshot.parties.keys(),
      this.config.partitionsPerTopic,
      topicOptions(this.config),
    );
    this.snapshot = snapshot;
    this.version = String(loaded.version);
    this.freshness.confirmed(asked);
    this.metrics.registryVersion.set(Number(loaded.version));
    this.logger.info(
      { registryVersion: this.version, parties: snapshot.parties.size, topicsCreated: created.length },
      'registry loaded',
    );
    for (const listener of this.listeners) await listener(snapshot);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.polling;
  }
}
