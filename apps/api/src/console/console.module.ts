import { Module } from '@nestjs/common';
import type { KyodoConfig } from '@kyodo/config';
import type { KafkaPort } from '@kyodo/kafka';
import type { Logger } from '@kyodo/observability';
import { AuditCheckRunRepository, AuditRepository } from '@kyodo/persistence';
import { CLOCK, CONFIG, DATA_SOURCE, KAFKA, LOGGER } from '@kyodo/platform';
import type { DataSource } from 'typeorm';
import { AuditHealthController } from '../audit-health/audit-health.controller';
import { AuditHealthService } from '../audit-health/audit-health.service';
import { WhoAmIController } from '../auth/whoami.controller';
import { AuditInsightsController } from '../insights/audit-insights.controller';
import { AuditInsightsRepository } from '../insights/audit-insights.repository';
import { AuditInsightsService } from '../insights/audit-insights.service';
import { ReconciliationRepository } from '../reconciliation/reconciliation.repository';
import { ReconciliationService } from '../reconciliation/reconciliation.service';
import { RegistryCountsController } from '../registry/registry-counts.controller';
import { RegistryCountsRepository } from '../registry/registry-counts.repository';
import { RegistryCountsService } from '../registry/registry-counts.service';
import { RegistrySummaryRepository } from '../registry/registry-summary.repository';
import { ConsoleController } from './console.controller';

/**
 * The compliance console at /console (static pages that hold no data) and the /v1/ endpoints it reads
 * beyond the API's first ones: audit health and checks, rejections, data minimisation, registry counts,
 * whoami. Part of ApiModule, whose guard, validation pipe and error filter cover these routes too.
 */
@Module({
  controllers: [
    ConsoleController,
    AuditHealthController,
    AuditInsightsController,
    RegistryCountsController,
    WhoAmIController,
  ],
  providers: [
    {
      provide: AuditHealthService,
      inject: [DATA_SOURCE, KAFKA, CONFIG, CLOCK, LOGGER],
      useFactory: (
        ds: DataSource,
        kafka: KafkaPort,
        config: KyodoConfig,
        clock: () => Date,
        logger: Logger,
      ) =>
        new AuditHealthService(
          new AuditRepository(ds),
          new AuditCheckRunRepository(ds),
          new ReconciliationService(new ReconciliationRepository(ds), kafka, {
            topicPrefix: config.topicPrefix,
            clock,
            warn: (message, details) => logger.warn(details, message),
          }),
          clock,
        ),
    },
    {
      provide: AuditInsightsService,
      inject: [DATA_SOURCE],
      useFactory: (ds: DataSource) => new AuditInsightsService(new AuditInsightsRepository(ds)),
    },
    {
      provide: RegistryCountsService,
      inject: [DATA_SOURCE, CLOCK],
      useFactory: (ds: DataSource, clock: () => Date) =>
        new RegistryCountsService(new RegistrySummaryRepository(ds), new RegistryCountsRepository(ds), clock),
    },
  ],
})
export class ConsoleModule {}
