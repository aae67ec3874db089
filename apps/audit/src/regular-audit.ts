import { Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';
import { verifyChain, type ChainedAuditRow } from '@kyodo/audit';
import type { KafkaPort } from '@kyodo/kafka';
import type { KyodoMetrics, Logger } from '@kyodo/observability';
import {
  AuditCheckRunRepository,
  AuditRepository,
  AuditRunRepository,
  type AuditRun,
} from '@kyodo/persistence';
import {
  reconcileSummary,
  verifySummary,
  type ReconcileSummary,
} from '../../api/src/audit-health/audit-health.service';
import { ReconciliationRepository } from '../../api/src/reconciliation/reconciliation.repository';
import { ReconciliationService } from '../../api/src/reconciliation/reconciliation.service';

export interface RegularAuditOptions {
  readonly topicPrefix: string;
  readonly clock?: () => Date;
  /** How long one reconciliation may take (default 10 minutes). */
  readonly reconcileTimeoutMs?: number;
  /**
   * Deliveries decided in the last this many milliseconds are left to the next run (default 5 minutes),
   * so traffic in flight (the audit writer a batch behind the outboxes) is no false alarm.
   */
  readonly reconcileLagMs?: number;
}

/**
 * The regular audit of the privacy policy (§5, "Conducting an audit"): verify every hash chain and
 * reconcile the audit trail with the outboxes, then keep the result in `audit_run`, in Prometheus
 * gauges and in one log line. A step that cannot run (Kafka or PostgreSQL away) is recorded as such.
 */
export class RegularAudit {
  private readonly runs: AuditRunRepository;
  /** The console's record of checks (audit_check_run): the regular audit's results show there too. */
  private readonly checks: AuditCheckRunRepository;
  private readonly audit: AuditRepository;
  private readonly reconciliation: ReconciliationService;
  private readonly clock: () => Date;
  private readonly reconcileLagMs: number;
  private readonly gauges: {
    last: Gauge;
    chainOk: Gauge;
    reconcileOk: Gauge;
    differences: Gauge;
  };

  constructor(
    ds: DataSource,
    kafka: KafkaPort,
    metrics: KyodoMetrics,
    private readonly logger: Logger,
    options: RegularAuditOptions,
  ) {
    this.runs = new AuditRunRepository(ds);
    this.checks = new AuditCheckRunRepository(ds);
    this.audit = new AuditRepository(ds);
    this.clock = options.clock ?? (() => new Date());
    this.reconcileLagMs = options.reconcileLagMs ?? 5 * 60_000;
    this.reconciliation = new ReconciliationService(new ReconciliationRepository(ds), kafka, {
      topicPrefix: options.topicPrefix,
      clock: this.clock,
      timeoutMs: options.reconcileTimeoutMs ?? 10 * 60_000,
      warn: (message, details) => logger.warn(details, message),
    });
    const registers = [metrics.registry];
    this.gauges = {
      last: new Gauge({
        name: 'kyodo_regular_audit_last_run_timestamp_seconds',
        help: 'When the last regular audit (chain verification and reconciliation) finished',
        registers,
      }),
      chainOk: new Gauge({
        name: 'kyodo_regular_audit_chain_ok',
        help: 'Whether the last regular audit found every hash chain intact (1) or not (0)',
        registers,
      }),
      reconcileOk: new Gauge({
        name: 'kyodo_regular_audit_reconcile_ok',
        help: 'Whether the last regular audit found the audit trail and the outboxes in agreement (1) or not (0)',
        registers,
      }),
      differences: new Gauge({
        name: 'kyodo_regular_audit_differences',
        help: 'Deliveries missing from the outboxes plus outbox events missing from the audit, at the last regular audit',
        registers,
      }),
    };
  }

  async run(trigger: 'startup' | 'schedule' | 'manual'): Promise<AuditRun> {
    const startedAt = this.clock().toISOString();
    const errors: string[] = [];
    let chain: { ok: boolean; rows: number; firstBad: Record<string, unknown> | null } | undefined;
    try {
      const verifyStarted = this.clock();
      const snapshot = await this.audit.openChainSnapshot();
      const counts = new Map<number, number>();
      try {
        const result = await verifyChain(counted(snapshot.rows, counts), {
          heads: snapshot.heads,
          anchors: snapshot.anchors,
        });
        chain = result.ok
          ? { ok: true, rows: result.rows, firstBad: null }
          : { ok: false, rows: result.rows, firstBad: { ...result.firstBad } };
        await this.checks.record({
          kind: 'verify',
          startedAt: verifyStarted,
          finishedAt: this.clock(),
          ok: result.ok,
          summary: verifySummary(result, counts, snapshot.heads, snapshot.anchors),
          requestedBy: `regular-audit:${trigger}`,
        });
      } finally {
        await snapshot.close();
      }
    } catch (error) {
      errors.push(`chain verification could not run: ${(error as Error).message}`);
    }
    let reconciled:
      | { ok: boolean; deliveries: number; events: number; missingOut: number; missingAudit: number }
      | undefined;
    try {
      const reconcileStarted = this.clock();
      const to = new Date(Date.parse(startedAt) - this.reconcileLagMs).toISOString();
      const report = await this.reconciliation.reconcile({ to });
      await this.checks.record<ReconcileSummary>({
        kind: 'reconcile',
        startedAt: reconcileStarted,
        finishedAt: this.clock(),
        ok: report.ok,
        summary: reconcileSummary(report),
        requestedBy: `regular-audit:${trigger}`,
      });
      reconciled = {
        ok: report.ok,
        deliveries: report.auditDeliveries,
        events: report.outboxEvents,
        missingOut: report.missingFromOutbox.length,
        missingAudit: report.missingFromAudit.length,
      };
    } catch (error) {
      errors.push(`reconciliation could not run: ${(error as Error).message}`);
    }
    const run: AuditRun = {
      startedAt,
      finishedAt: this.clock().toISOString(),
      trigger,
      chainOk: chain?.ok ?? null,
      chainRows: chain?.rows ?? null,
      chainFirstBad: chain?.firstBad ?? null,
      reconcileOk: reconciled?.ok ?? null,
      auditDeliveries: reconciled?.deliveries ?? null,
      outboxEvents: reconciled?.events ?? null,
      missingFromOutbox: reconciled?.missingOut ?? null,
      missingFromAudit: reconciled?.missingAudit ?? null,
      error: errors.length > 0 ? errors.join('; ') : null,
    };
    try {
      await this.runs.record(run);
    } catch (error) {
      this.logger.error({ err: error }, 'regular audit result could not be stored');
    }
    this.gauges.last.set(Date.parse(run.finishedAt) / 1000);
    if (run.chainOk !== null) this.gauges.chainOk.set(run.chainOk ? 1 : 0);
    if (run.reconcileOk !== null) this.gauges.reconcileOk.set(run.reconcileOk ? 1 : 0);
    if (reconciled) this.gauges.differences.set(reconciled.missingOut + reconciled.missingAudit);
    const healthy = run.chainOk === true && run.reconcileOk === true;
    const details = { ...run, chainFirstBad: run.chainFirstBad ?? undefined };
    if (healthy) this.logger.info(details, 'regular audit: chain intact, audit and outboxes agree');
    else this.logger.error(details, 'regular audit found a problem');
    return run;
  }
}

async function* counted(
  rows: AsyncIterable<ChainedAuditRow>,
  counts: Map<number, number>,
): AsyncGenerator<ChainedAuditRow> {
  for await (const row of rows) {
    counts.set(row.chainPartition, (counts.get(row.chainPartition) ?? 0) + 1);
    yield row;
  }
}
