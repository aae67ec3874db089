import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { topicsFor, type RegistrySnapshot } from '@kyodo/contracts';
import type { KyodoConfig } from '@kyodo/config';
import type {
  KafkaPort,
  PipelineBatch,
  PipelineStatus,
  ProducedRecord,
  TransactionalPipeline,
  TransactionalPipelineOptions,
} from '@kyodo/kafka';
import { KafkaSubscriptions } from '@kyodo/microservice';
import type { KyodoMetrics, Logger } from '@kyodo/observability';
import {
  CLOCK,
  CONFIG,
  DATA_SOURCE,
  KAFKA,
  LOGGER,
  METRICS,
  READINESS,
  type ReadinessProbes,
} from '@kyodo/platform';
import type { CompiledPolicy } from '@kyodo/policy';
import type { RejectionReason } from '@kyodo/contracts';
import { Router, emptyStats, type InboundRecord, type OutputRecord, type RouteStats } from '@kyodo/routing';
import { AcceptedIdsStore } from './accepted-ids.store';
import { InstanceLease } from './instance-lease';
import { POLICY } from './policy.provider';
import { RegistryWatcher } from './registry-watcher.service';
import { TraceContextPropagation } from './trace-context';

const PIPELINE_STATES = ['idle', 'starting', 'running', 'recovering', 'stopping', 'stopped'] as const;
/** Inputs routed before their outputs are encoded (see process). */
const ROUTING_SLICE = 64;
/** Consecutive failures after which the pipeline counts as crash-looping for readiness. */
const CRASH_LOOP_FAILURES = 3;
/** The pattern the gateway's batch handler is registered under on the Kafka port transport. */
export const GATEWAY_BATCH = 'kyodo.gateway.batch';

/**
 * The gateway's pipeline: consumes every party's inbox, routes each batch through the pure Router and
 * publishes outbound events, audit records, dead letters and the batch's accepted ids with the batch's
 * offsets in one transaction. The pipeline is hosted by the Kafka port transport, which hands each
 * batch to `process` through the GatewayBatchController.
 */
@Injectable()
export class GatewayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private pipeline: TransactionalPipeline | undefined;
  private lease: InstanceLease | undefined;
  /** Tallies of the batches routed and not yet committed (two while one commits as the next is routed). */
  private readonly uncommitted = new Map<PipelineBatch, RouteStats>();
  private resubscribeTimer: NodeJS.Timeout | undefined;
  private metricsTimer: NodeJS.Timeout | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  private resubscribing: Promise<void> | undefined;
  private stopping = false;
  private readonly router: Router;
  private readonly topics;
  private readonly accepted: AcceptedIdsStore;
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
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(READINESS) private readonly readiness: ReadinessProbes,
    private readonly registry: RegistryWatcher,
    private readonly subscriptions: KafkaSubscriptions,
  ) {
    this.topics = topicsFor(config.topicPrefix);
    this.accepted = new AcceptedIdsStore(kafka, this.topics, logger, config.duplicateWindowMs, clock);
    this.router = new Router({
      policy,
      topics: this.topics,
      hmacKey: config.auditHmacKey,
      clock,
      acceptedIds: this.accepted.ids,
      registryCurrent: () => registry.isCurrent(),
      recordHeaders: (record, eventId, rejected) => this.traceAndLog(record, eventId, rejected),
    });
  }

  /** Where the pipeline is, for readiness, metrics and `kyodo status`. */
  status(): (PipelineStatus & { instanceId: string | undefined }) | undefined {
    const status = this.pipeline?.status();
    return status && { ...status, instanceId: this.lease?.id };
  }

  async onApplicationBootstrap(): Promise<void> {
    this.lease = await InstanceLease.acquire(this.dataSource, this.logger, {
      topicPrefix: this.config.topicPrefix,
      instanceId: this.config.instanceId,
      singleInstance: !this.kafka.fencesByGeneration,
    });
    const snapshot = await this.registry.start();
    this.readiness.register({ name: 'gateway', check: () => this.problem() });
    const options: Omit<TransactionalPipelineOptions, 'process'> = {
      groupId: `${this.config.topicPrefix}.gateway`,
      transactionalId: `${this.config.topicPrefix}.gateway.${this.lease.id}`,
      topics: this.inboxes(snapshot),
      compression: this.config.compression,
      // The next batch is routed while the previous one commits (where the adapter can).
      overlap: this.config.overlapBatches,
      onCommitted: (batch, _produced, seconds) => {
        this.accepted.ids.commit(batch);
        this.metrics.batchSeconds.observe(seconds);
        // Counted once committed: a batch that failed and is retried is not counted twice.
        const stats = this.uncommitted.get(batch);
        if (stats) this.count(stats);
        this.uncommitted.delete(batch);
      },
      onAborted: (batch, error, outcome) => {
        this.accepted.discard();
        this.uncommitted.delete(batch);
        this.metrics.fencedBatches.inc({ kind: outcome });
        this.logger.warn(
          { records: batch.records.length, err: error, outcome },
          outcome === 'fenced'
            ? 'batch not committed: the group moved on, its new owner processes it'
            : 'batch not committed; it will be processed again',
        );
      },
    };
    this.subscriptions.transactional(GATEWAY_BATCH, {
      options,
      attach: (pipeline) => (this.pipeline = pipeline),
      started: () => this.consuming(),
      stopping: () => this.quiesce(),
    });
  }

  /** Once the pipeline runs: follows the registry's inboxes, and measures. */
  private async consuming(): Promise<void> {
    const pipeline = this.pipeline!;
    // A party imported while the consumer joined is picked up here; later ones by the listener.
    this.registry.onChange(() => this.ensureSubscribed());
    await this.ensureSubscribed();
    // Also on a timer: a re-subscription that failed (a broker blip) is retried until it holds.
    this.resubscribeTimer = setInterval(() => void this.ensureSubscribed(), this.config.registryRefreshMs);
    this.resubscribeTimer.unref();
    this.metricsTimer = setInterval(() => this.updateMetrics(), 2000);
    this.metricsTimer.unref();
    this.lagTimer = setInterval(() => void this.updateLag(), 15_000);
    this.lagTimer.unref();
    this.logger.info(
      {
        inboxes: pipeline.topics.length,
        policyVersion: this.policy.version,
        instanceId: this.lease?.id,
        kafkaClient: this.kafka.kind,
      },
      'gateway consuming',
    );
  }

  /** Why the gateway is not ready, or null: stopped, recovering, or failing batch after batch. */
  private problem(): string | null {
    const status = this.pipeline?.status();
    if (!status) return 'not started';
    if (status.state === 'recovering' || status.state === 'stopped' || status.state === 'stopping') {
      return `pipeline ${status.state}${status.lastError ? `: ${status.lastError}` : ''}`;
    }
    if (status.consecutiveFailures >= CRASH_LOOP_FAILURES) {
      return `pipeline failed ${status.consecutiveFailures} times in a row: ${status.lastError ?? 'unknown'}`;
    }
    return null;
  }

  private updateMetrics(): void {
    const status = this.pipeline?.status();
    if (!status) return;
    for (const state of PIPELINE_STATES)
      this.metrics.pipelineState.set({ state }, state === status.state ? 1 : 0);
    this.metrics.pipelineFailures.set(status.consecutiveFailures);
    this.metrics.lastCommitAge.set(
      status.lastCommitAt === null ? -1 : (Date.now() - status.lastCommitAt) / 1000,
    );
    this.metrics.acceptedIdsRemembered.set(this.accepted.ids.size);
  }

  /** Lag per inbox: the records not yet committed by the gateway's group. Failures are logged, not fatal. */
  private async updateLag(): Promise<void> {
    const group = `${this.config.topicPrefix}.gateway`;
    for (const inbox of this.pipeline?.topics ?? []) {
      if (this.stopping) return;
      try {
        const [high, committed] = await Promise.all([
          this.kafka.topicOffsets(inbox),
          this.kafka.committedOffsets(group, inbox),
        ]);
        const done = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
        let lag = 0n;
        for (const p of high) {
          const at = done.get(p.partition) ?? -1n;
          lag += BigInt(p.high) - (at >= 0n ? at : BigInt(p.low));
        }
        this.metrics.inboxLag.set({ inbox }, Number(lag));
      } catch (error) {
        this.logger.debug({ err: error, inbox }, 'lag not measured');
      }
    }
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
  async process(batch: PipelineBatch): Promise<ProducedRecord[]> {
    const pipeline = this.pipeline;
    if (pipeline) await this.accepted.prepare(batch.generation, pipeline);
    const out: ProducedRecord[] = [];
    const registry = await this.registry.forBatch(batch.records);
    const stats = emptyStats();
    const records = batch.records;
    // Whatever an earlier batch left, other than the one still committing, will never commit.
    this.accepted.ids.begin(batch, batch.committing);
    for (const earlier of this.uncommitted.keys())
      if (earlier !== batch.committing) this.uncommitted.delete(earlier);
    // In slices, each one's output text encoded at once: the strings die young instead of living, a
    // whole batch of them, through several scavenges into the old generation. Between slices the
    // transaction of the batch before (if still committing) moves on: its replies are handled, its
    // next request sent. Its commit touches only its own layer; its abort drops this batch's too,
    // and the pipeline then drops this batch with it.
    for (let i = 0; i < records.length; i += ROUTING_SLICE) {
      if (i > 0 && batch.committing !== undefined) await new Promise(setImmediate);
      const from = out.length;
      this.router.routeBatch(records.slice(i, i + ROUTING_SLICE), registry, out as OutputRecord[], stats);
      for (let k = from; k < out.length; k++) out[k] = encoded(out[k]);
    }
    for (const state of this.accepted.stateRecords()) out.push(state);
    this.uncommitted.set(batch, stats);
    if (stats.rejected > 0) {
      this.logger.warn(
        { records: batch.records.length, rejected: stats.rejected, reasons: stats.rejections },
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

  /** Before the pipeline stops: no more re-subscriptions or measurements. */
  private async quiesce(): Promise<void> {
    if (this.stopping) return;
    this.logger.info({ ...this.totals }, 'gateway stopping');
    this.stopping = true;
    for (const timer of [this.resubscribeTimer, this.metricsTimer, this.lagTimer])
      if (timer) clearInterval(timer);
    await this.resubscribing;
  }

  /**
   * SIGTERM: the transport has already let the batch in flight finish and commit and the consumer leave
   * the group (stopping the pipeline again is a no-op); the instance id is given back.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.quiesce();
    await this.pipeline?.stop();
    await this.lease?.release();
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(b);
  return a.every((x) => set.has(x));
}

/** The record with its value as UTF-8 bytes, as the Kafka client would encode it. */
function encoded(record: ProducedRecord): ProducedRecord {
  return typeof record.value === 'string' ? { ...record, value: Buffer.from(record.value) } : record;
}
