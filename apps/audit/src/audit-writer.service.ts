import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { normalizeAuditRecord, type AuditRecord } from '@kyodo/audit';
import { topicsFor } from '@kyodo/contracts';
import type { KyodoConfig } from '@kyodo/config';
import type { CommittableBatch, KafkaPort, RunningConsumer } from '@kyodo/kafka';
import { KafkaSubscriptions } from '@kyodo/microservice';
import type { KyodoMetrics, Logger } from '@kyodo/observability';
import { AuditRepository, ensureAuditPartitions } from '@kyodo/persistence';
import {
  CONFIG,
  DATA_SOURCE,
  KAFKA,
  LOGGER,
  METRICS,
  READINESS,
  gatewayTopicSpecs,
  topicOptions,
  type ReadinessProbes,
} from '@kyodo/platform';

/** The pattern the audit writer's batch handler is registered under on the Kafka port transport. */
export const AUDIT_BATCH = 'kyodo.audit.batch';

/**
 * Moves committed audit records from `kyodo.audit` into PostgreSQL, one hash chain per audit-topic
 * partition in offset order. Each batch is appended in one database transaction that also advances
 * the chain head, so a re-delivered record (after a crash between the database commit and the Kafka
 * offset commit) is recognised by its offset and skipped: never a second row. The consumer is hosted
 * by the Kafka port transport, which hands each batch to `write` through the AuditBatchController.
 */
@Injectable()
export class AuditWriterService implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer: RunningConsumer | undefined;
  private readonly repository: AuditRepository;
  private partitionsTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: KyodoConfig,
    @Inject(KAFKA) private readonly kafka: KafkaPort,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: KyodoMetrics,
    @Inject(READINESS) private readonly readiness: ReadinessProbes,
    private readonly subscriptions: KafkaSubscriptions,
  ) {
    this.repository = new AuditRepository(dataSource);
  }

  async onApplicationBootstrap(): Promise<void> {
    const topics = topicsFor(this.config.topicPrefix);
    await this.kafka.ensureTopics(
      gatewayTopicSpecs(topics, this.config.partitionsPerTopic, topicOptions(this.config)),
    );
    await this.ensurePartitions();
    // Monthly partitions are created ahead of time; re-checked daily for long-running writers.
    this.partitionsTimer = setInterval(
      () => void this.ensurePartitions().catch(() => undefined),
      24 * 3600 * 1000,
    );
    this.partitionsTimer.unref();
    this.subscriptions.committing(AUDIT_BATCH, {
      options: {
        groupId: `${this.config.topicPrefix}.audit-writer`,
        topics: [topics.audit],
        fromBeginning: true,
        readCommitted: true,
      },
      attach: (consumer) => (this.consumer = consumer),
      started: () => this.logger.info({ topic: topics.audit }, 'audit writer consuming'),
    });
    this.readiness.register({
      name: 'audit-writer',
      check: () => {
        const status = this.consumer?.status();
        if (!status || status.state === 'running') return null;
        return `audit consumer ${status.state} after ${status.consecutiveFailures} failure(s): ${status.lastError ?? 'unknown'}`;
      },
    });
  }

  private async ensurePartitions(): Promise<void> {
    const now = new Date();
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 1));
    await ensureAuditPartitions(this.dataSource, from, to);
  }

  /** Appends one batch to the hash chains, then commits its offsets. */
  async write(batch: CommittableBatch): Promise<void> {
    const rows = [];
    for (const record of batch.records) {
      const parsed = this.read(record.value);
      if (parsed instanceof Error) {
        // Only the gateway writes this topic: an unreadable record is a bug or tampering. It stays in
        // Kafka at these coordinates, reconciliation reports its delivery as unaudited, and the
        // writer carries on rather than stalling every later record of the partition.
        this.metrics.auditRecordsUnreadable.inc();
        this.logger.error(
          { topic: batch.topic, partition: batch.partition, offset: record.offset, err: parsed },
          'unreadable audit record skipped',
        );
        continue;
      }
      rows.push({ record: parsed, chainPartition: batch.partition, chainOffset: record.offset });
    }
    const { inserted, skipped } = await this.repository.appendBatch(rows);
    await batch.commit();
    this.metrics.auditRowsWritten.inc(inserted);
    if (skipped > 0) this.metrics.auditRowsSkipped.inc(skipped);
  }

  private read(value: Buffer | null): AuditRecord | Error {
    try {
      if (value === null) throw new Error('empty record');
      return normalizeAuditRecord(JSON.parse(value.toString('utf8')) as AuditRecord);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.partitionsTimer) clearInterval(this.partitionsTimer);
    await this.consumer?.stop();
  }
}
