import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE, HttpAdapterHost, ModulesContainer, Reflector } from '@nestjs/core';
import type { KyodoConfig } from '@kyodo/config';
import type { KafkaPort } from '@kyodo/kafka';
import type { Logger } from '@kyodo/observability';
import {
  ApiKeyRepository,
  AuditRepository,
  MailboxRepository,
  RegistryRepository,
  SubjectNoticeRepository,
} from '@kyodo/persistence';
import { topicsFor } from '@kyodo/contracts';
import { compilePolicy, loadPolicy } from '@kyodo/policy';
import { CLOCK, CONFIG, DATA_SOURCE, KAFKA, LOGGER } from '@kyodo/platform';
import type { DataSource } from 'typeorm';
import { AuditController } from './audit/audit.controller';
import { AuditSearchService } from './audit/audit-search.service';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ConsoleModule } from './console/console.module';
import { DisclosuresController } from './disclosures/disclosures.controller';
import { DisclosuresService } from './disclosures/disclosures.service';
import { InboxService } from './mailbox/inbox.service';
import { InboxController, MailboxController } from './mailbox/mailbox.controller';
import { MailboxService } from './mailbox/mailbox.service';
import { PartyAccessService } from './mailbox/party-access';
import { ApiExceptionFilter } from './http/exception.filter';
import { apiValidationPipe } from './http/validation';
import { OpenApiController } from './openapi/openapi.controller';
import { OpenApiService } from './openapi/openapi.service';
import { ReconciliationController } from './reconciliation/reconciliation.controller';
import { ReconciliationRepository } from './reconciliation/reconciliation.repository';
import { ReconciliationService } from './reconciliation/reconciliation.service';
import { RegistryController } from './registry/registry.controller';
import { RegistrySummaryRepository } from './registry/registry-summary.repository';
import { RegistrySummaryService } from './registry/registry-summary.service';
import { SubjectNoticesController } from './subject-notices/subject-notices.controller';
import { SubjectNoticeService } from './subject-notices/subject-notices.service';

/**
 * The HTTP API: /v1/disclosures, /v1/audit, /v1/reconciliation (role auditor), /v1/registry (role
 * registry-admin), /v1/mailbox and /v1/inbox (role party), /openapi.json, and the compliance console (ConsoleModule). Needs the PlatformModule.
 * Its guard, validation pipe and error filter are global to the app it joins; the guard lets through
 * everything outside /v1/.
 */
@Module({
  imports: [ConsoleModule],
  controllers: [
    DisclosuresController,
    AuditController,
    ReconciliationController,
    RegistryController,
    OpenApiController,
    SubjectNoticesController,
    MailboxController,
    InboxController,
  ],
  providers: [
    // Repositories: queries only, each its own provider, injected into the services that use them.
    {
      provide: AuditRepository,
      inject: [DATA_SOURCE],
      useFactory: (ds: DataSource) => new AuditRepository(ds),
    },
    {
      provide: ReconciliationRepository,
      inject: [DATA_SOURCE],
      useFactory: (ds: DataSource) => new ReconciliationRepository(ds),
    },
    {
      provide: RegistrySummaryRepository,
      inject: [DATA_SOURCE],
      useFactory: (ds: DataSource) => new RegistrySummaryRepository(ds),
    },
    {
      provide: ApiKeyRepository,
      inject: [DATA_SOURCE],
      useFactory: (ds: DataSource) => new ApiKeyRepository(ds),
    },
    {
      provide: DisclosuresService,
      inject: [AuditRepository, CONFIG, DATA_SOURCE],
      useFactory: (audit: AuditRepository, config: KyodoConfig, ds: DataSource) =>
        new DisclosuresService(audit, config.auditHmacKey, new SubjectNoticeRepository(ds)),
    },
    {
      provide: SubjectNoticeService,
      inject: [AuditRepository, DATA_SOURCE, KAFKA, CONFIG, CLOCK],
      useFactory: (
        audit: AuditRepository,
        ds: DataSource,
        kafka: KafkaPort,
        config: KyodoConfig,
        clock: () => Date,
      ) =>
        new SubjectNoticeService(audit, new SubjectNoticeRepository(ds), kafka, {
          topics: topicsFor(config.topicPrefix),
          hmacKey: config.auditHmacKey,
          policy: () => compilePolicy(loadPolicy(config.policyFile)),
          clock,
        }),
    },
    {
      provide: PartyAccessService,
      inject: [DATA_SOURCE, KAFKA, CONFIG, CLOCK],
      useFactory: (ds: DataSource, kafka: KafkaPort, config: KyodoConfig, clock: () => Date) => {
        let version: string | undefined;
        return new PartyAccessService(new RegistryRepository(ds), kafka, {
          topics: topicsFor(config.topicPrefix),
          // Loaded on first use, so that starting the API stays quick.
          policyVersion: () => (version ??= compilePolicy(loadPolicy(config.policyFile)).version),
          clock,
        });
      },
    },
    {
      provide: MailboxService,
      inject: [DATA_SOURCE, KAFKA, CONFIG],
      useFactory: (ds: DataSource, kafka: KafkaPort, config: KyodoConfig) =>
        new MailboxService(new MailboxRepository(ds), kafka, { topics: topicsFor(config.topicPrefix) }),
    },
    {
      provide: InboxService,
      inject: [KAFKA, PartyAccessService, CONFIG],
      useFactory: (kafka: KafkaPort, access: PartyAccessService, config: KyodoConfig) =>
        new InboxService(kafka, access, {
          topics: topicsFor(config.topicPrefix),
          hmacKey: config.auditHmacKey,
        }),
    },
    {
      provide: AuditSearchService,
      inject: [AuditRepository, CONFIG],
      useFactory: (audit: AuditRepository, config: KyodoConfig) =>
        new AuditSearchService(audit, config.auditHmacKey),
    },
    {
      provide: ReconciliationService,
      inject: [ReconciliationRepository, KAFKA, CONFIG, CLOCK, LOGGER],
      useFactory: (
        repository: ReconciliationRepository,
        kafka: KafkaPort,
        config: KyodoConfig,
        clock: () => Date,
        logger: Logger,
      ) =>
        new ReconciliationService(repository, kafka, {
          topicPrefix: config.topicPrefix,
          clock,
          warn: (message, details) => logger.warn(details, message),
        }),
    },
    {
      provide: RegistrySummaryService,
      inject: [RegistrySummaryRepository, CLOCK],
      useFactory: (repository: RegistrySummaryRepository, clock: () => Date) =>
        new RegistrySummaryService(repository, clock),
    },
    {
      provide: OpenApiService,
      inject: [ModulesContainer, HttpAdapterHost],
      useFactory: (modules: ModulesContainer, host: HttpAdapterHost) => new OpenApiService(modules, host),
    },
    {
      provide: APP_GUARD,
      inject: [ApiKeyRepository, Reflector, LOGGER],
      useFactory: (keys: ApiKeyRepository, reflector: Reflector, logger: Logger) =>
        new ApiKeyGuard(keys, reflector, logger.child({ component: 'api' })),
    },
    { provide: APP_PIPE, useFactory: apiValidationPipe },
    {
      provide: APP_FILTER,
      inject: [HttpAdapterHost, LOGGER],
      useFactory: (host: HttpAdapterHost, logger: Logger) =>
        new ApiExceptionFilter(host, logger.child({ component: 'api' })),
    },
  ],
  exports: [DisclosuresService, AuditSearchService, ReconciliationService],
})
export class ApiModule {}
