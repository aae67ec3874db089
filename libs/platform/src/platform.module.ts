import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { KyodoConfig } from '@kyodo/config';
import { createKafkaClient, type KafkaPort } from '@kyodo/kafka';
import { KafkaSubscriptions } from '@kyodo/microservice';
import { createLogger, KyodoMetrics, type Logger } from '@kyodo/observability';
import { createDataSource, runMigrations } from '@kyodo/persistence';
import { kafkaClientOptions } from './kafka-options';
import { ReadinessProbes } from './readiness';
import { CLOCK, CONFIG, DATA_SOURCE, KAFKA, LOGGER, METRICS, READINESS } from './tokens';

export interface PlatformOptions {
  readonly config: KyodoConfig;
  readonly logger?: Logger;
  readonly metrics?: KyodoMetrics;
  readonly clock?: () => Date;
}

/**
 * What every Kyodo app stands on: its parsed configuration, structured logger, metrics, one Kafka
 * client and one PostgreSQL pool (migrated at start, never synchronised), and the Kafka subscriptions
 * its services declare for the Kafka port transport. Closed on shutdown.
 */
@Global()
@Module({})
export class PlatformModule implements OnApplicationShutdown {
  constructor(
    @Inject(KAFKA) private readonly kafka: KafkaPort,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  static forRoot(options: PlatformOptions): DynamicModule {
    const logger = options.logger ?? createLogger(options.config.logLevel);
    return {
      module: PlatformModule,
      providers: [
        { provide: CONFIG, useValue: options.config },
        { provide: LOGGER, useValue: logger },
        { provide: METRICS, useValue: options.metrics ?? new KyodoMetrics() },
        { provide: CLOCK, useValue: options.clock ?? (() => new Date()) },
        { provide: READINESS, useValue: new ReadinessProbes() },
        { provide: KafkaSubscriptions, useValue: new KafkaSubscriptions() },
        {
          provide: KAFKA,
          useFactory: () =>
            createKafkaClient({
              client: options.config.kafkaClient,
              ...kafkaClientOptions(options.config, options.config.kafkaClientId),
              defaultPartitions: options.config.partitionsPerTopic,
              logger: logger.child({ component: 'kafka' }),
            }),
        },
        {
          provide: DATA_SOURCE,
          useFactory: async () => {
            const ds = createDataSource(options.config.databaseUrl);
            await ds.initialize();
            const applied = await runMigrations(ds);
            if (applied.length > 0) logger.info({ migrations: applied }, 'database migrations applied');
            return ds;
          },
        },
      ],
      exports: [CONFIG, LOGGER, METRICS, CLOCK, KAFKA, DATA_SOURCE, READINESS, KafkaSubscriptions],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.kafka.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
