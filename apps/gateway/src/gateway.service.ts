import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { topicsFor, type RegistrySnapshot } from '@kyodo/contracts';
import type { KyodoConfig } from '@kyodo/config';
import type { KafkaPort, RecordBatch, TransactionalPipeline } from '@kyodo/kafka';
import type { KyodoMetrics, Logger } from '@kyodo/observability';
import { CLOCK, CONFIG, KAFKA, LOGGER, METRICS } from '@kyodo/platform';
import type { CompiledPolicy } from '@kyodo/policy';
import { Router, emptyStats, type InboundRecord, type OutputRecord, type RouteStats } from '@kyodo/routing';
import type { RejectionReason } from '@kyodo/contracts';
import { POLICY } from './policy.provider';
import { RegistryWatcher } from './registry-watcher.service';
import { TraceContextPropagation } from './trace-context';

/**
 * The gateway's pipeline: consumes every party's inbox, routes each batch through the pure Router and
 * publishes outbound events, audit records and dead letters with the batch's offsets in one transaction.
 */
@Injectable()
export class GatewayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private pipeline: TransactionalPipeline | undefined;
  /** The tallies of the batch in flight (batches are processed one at a time). */
  private uncommitted: RouteStats | undefined;
  private resubscribeTimer: NodeJS.Timeout | undefined;
  private resubscribing: Promise<void> | undefined;
  private stopping = false;
  private readonly router: Router;
  private readonly topics;
  private readonly traces = new TraceContextPropagation();
  /** Running totals since start: inputs = accepted + rejected. */
  readonly totals = emptyStats();

  constructor(
    @Inject(CONFIG) private readonly config: KyodoConfig,
    @Inject(KAFKA) private readonly kafka: KafkaPort,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: KyodoMetrics,
    @Inject(POLICY) private readonly policy: CompiledPolicy,
    @Inject(CLOCK) clock: () => Date,
    private readonly registry: RegistryWatcher,
  ) {
    this.topics = topicsFor(config.topicPrefix);
    this.router = new Router({
      policy,
      topics: this.topics,
      hmacKey: config.auditHmacKey,
      clock,
      recordHeaders: (record, eventId, rejected) => this.traceAndLog(record, eventId, rejected),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const snapshot = await this.registry.start();
    this.pipeline = this.kafka.createTransactionalPipeline({
      groupId: `${this.config.topicPrefix}.gateway`,
      transactionalId: `${this.config.topicPrefix}.gateway.${this.config.instanceId}`,
      topics: this.inboxes(snapshot),
      process: (batch) => this.process(batch),
      onCommitted: (_batch, _produced, seconds) => {
        this.metrics.batchSeconds.observe(seconds);
        // Counted once committed: a batch that failed and is retried is not counted twice.
        if (this.uncommitted) this.count(this.uncommitted);
        this.uncommitted = undefined;
      },
    });
    await this.pipeline.start();
    // A party imported while the consumer joined is picked up here; later ones by the listener.
    this.registry.onChange(() => this.ensureSubscribed());
    await this.ensureSubscribed();
    // Also on a timer: a re-subscription that failed (a broker blip) is retried until it holds.
    this.resubscribeTimer = setInterval(() => void this.ensureSubscribed(), this.config.registryRefreshMs);
    this.resubscribeTimer.unref();
    this.logger.info(
      { inboxes: this.pipeline.topics.length, policyVersion: this.policy.version },
      'gateway consuming',
    );
  }

  /** Makes the consumed inboxes those of the current registry; failures are logged and retried. */
  private ensureSubscribed(): Promise<void> {
    this.resubscribing ??= (async () => {
      const pipeline = this.pipeline;
      const inboxes = this.inboxes(this.registry.current());
      if (!pipeline || this.stopping || sameSet(inboxes, pipeline.topics)) return;
      this.logger.info({ inboxes: inboxes.length }, 'inboxes changed; re-subscribing');
      await pipeline.resubscribe(inboxes);
    })()
      .catch((error: Error) => this.logger.error({ err: error }, 're-subscribing failed; will retry'))
      .finally(() => (this.resubscribing = undefined));
    return this.resubscribing;
  }

  private inboxes(snapshot: RegistrySnapshot): string[] {
    return [...snapshot.parties.keys()].map((id) => this.topics.inbox(id)).sort();
  }

  /** Handles one batch: delegates to the router, counts, hands the outputs back to be committed. */
  private process(batch: RecordBatch): OutputRecord[] {
    const out: OutputRecord[] = [];
    const stats = this.router.routeBatch(batch.records, this.registry.current(), out);
    this.uncommitted = stats;
    if (stats.rejected > 0) {
      this.logger.warn(
        {
          topic: batch.topic,
          partition: batch.partition,
          rejected: stats.rejected,
          reasons: stats.rejections,
        },
        'records rejected to the dead-letter topic',
      );
    }
    return out;
  }

  /**
   * The trace context every record written for this input carries (W3C `traceparent`, from the
   * inbound one when present), and one log line per input keyed by its event id: rejections at info,
   * deliveries at debug. Never a value from the record: ids and coordinates only.
   */
  private traceAndLog(
    record: InboundRecord,
    eventId: string | undefined,
    rejected: RejectionReason | undefined,
  ): Readonly<Record<string, string>> {
    const trace = this.traces.derive(record.headers);
    const level = rejected !== undefined ? 'info' : 'debug';
    if (this.logger.isLevelEnabled(level)) {
      const fields = {
        eventId,
        traceId: trace.traceId,
        spanId: trace.spanId,
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        reason: rejected,
      };
      this.logger[level](fields, rejected !== undefined ? 'record rejected' : 'record routed');
    }
    return trace.headers;
  }

  private count(stats: RouteStats): void {
    const t = this.totals;
    t.inputs += stats.inputs;
    t.accepted += stats.accepted;
    t.rejected += stats.rejected;
    t.deliveries += stats.deliveries;
    this.metrics.recordsIn.inc(stats.inputs);
    this.metrics.inputsDelivered.inc(stats.accepted);
    for (const [reason, n] of Object.entries(stats.rejections)) {
      this.metrics.rejections.inc({ reason }, n);
      t.rejections[reason as keyof typeof t.rejections] =
        (t.rejections[reason as keyof typeof t.rejections] ?? 0) + n;
    }
    for (const [role, n] of Object.entries(stats.deliveriesByRole)) {
      this.metrics.deliveries.inc({ role }, n);
      t.deliveriesByRole[role] = (t.deliveriesByRole[role] ?? 0) + n;
    }
    for (const [role, byPurpose] of Object.entries(stats.fields)) {
      const totals = (t.fields[role] ??= {});
      for (const [purpose, n] of Object.entries(byPurpose)) {
        // Also by 0: a pair with nothing withheld shows as 0 rather than missing.
        this.metrics.fieldsDelivered.inc({ role, purpose }, n.delivered);
        this.metrics.fieldsWithheld.inc({ role, purpose }, n.withheld);
        const total = (totals[purpose] ??= { delivered: 0, withheld: 0 });
        total.delivered += n.delivered;
        total.withheld += n.withheld;
      }
    }
  }

  /** SIGTERM: the batch in flight finishes and commits, then the consumer leaves the group. */
  async onApplicationShutdown(signal?: string): Promise<void> {
    this.logger.info({ signal, ...this.totals }, 'gateway stopping');
    this.stopping = true;
    if (this.resubscribeTimer) clearInterval(this.resubscribeTimer);
    await this.resubscribing;
    await this.pipeline?.stop();
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(b);
  return a.every((x) => set.has(x));
}
