import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { RegistrySnapshot, topicsFor } from '@kyodo/contracts';
import type { KyodoConfig } from '@kyodo/config';
import type { KafkaPort } from '@kyodo/kafka';
import type { KyodoMetrics, Logger } from '@kyodo/observability';
import { RegistryRepository } from '@kyodo/persistence';
import { CONFIG, DATA_SOURCE, KAFKA, LOGGER, METRICS, provisionTopics } from '@kyodo/platform';

export type RegistryListener = (snapshot: RegistrySnapshot) => Promise<void>;

/**
 * Keeps the gateway's registry current: polls the registry version (a cheap query) and, when an import
 * changed it, loads a new immutable snapshot, makes sure the new parties' topics exist and tells the
 * listeners. A failed poll keeps the last good snapshot and is retried on the next tick.
 */
@Injectable()
export class RegistryWatcher implements OnModuleDestroy {
  private snapshot = RegistrySnapshot.empty();
  private version: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: RegistryListener[] = [];
  private readonly repository: RegistryRepository;
  private polling: Promise<void> | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: KyodoConfig,
    @Inject(DATA_SOURCE) dataSource: DataSource,
    @Inject(KAFKA) private readonly kafka: KafkaPort,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: KyodoMetrics,
  ) {
    this.repository = new RegistryRepository(dataSource);
  }

  current(): RegistrySnapshot {
    return this.snapshot;
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
        .finally(() => (this.polling = undefined));
    }, this.config.registryRefreshMs);
    this.timer.unref();
    return this.snapshot;
  }

  async refresh(): Promise<void> {
    const version = String(await this.repository.currentVersion());
    if (version === this.version) return;
    const loaded = await this.repository.loadSnapshot();
    const snapshot = new RegistrySnapshot(loaded.data);
    const created = await provisionTopics(
      this.kafka,
      topicsFor(this.config.topicPrefix),
      snapshot.parties.keys(),
      this.config.partitionsPerTopic,
      this.config.topicReplication?.minInsyncReplicas,
    );
    this.snapshot = snapshot;
    this.version = String(loaded.version);
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
