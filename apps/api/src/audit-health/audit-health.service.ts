import {
  verifyChain,
  type ChainFault,
  type ChainHead,
  type ChainVerification,
  type ChainedAuditRow,
} from '@kyodo/audit';
import type { AuditCheckRun, AuditCheckRunRepository, AuditRepository } from '@kyodo/persistence';
import { ApiInputError, DependencyUnavailableError, WorkLimitError } from '../errors';
import type { ReconciliationReport, ReconciliationService } from '../reconciliation/reconciliation.service';

export interface ChainSummary {
  readonly partition: number;
  readonly rows: number;
  /** The chain's end as verified (null when the chain is broken or empty). */
  readonly head: { readonly offset: string; readonly hash: string } | null;
  /** Where the chain starts after retention, if it does not start at genesis. */
  readonly anchor: { readonly offset: string; readonly hash: string } | null;
}

export interface VerifySummary {
  readonly rows: number;
  readonly chains: ChainSummary[];
  readonly firstBad: ChainFault | null;
}

export interface ReconcileSummary {
  readonly auditDeliveries?: number;
  readonly outboxEvents?: number;
  readonly missingFromOutbox?: number;
  readonly missingFromAudit?: number;
  readonly unreadable?: number;
  readonly trimmedOutboxes?: number;
  readonly notVerifiable?: number;
  /** Why the reconciliation could not be done (a work or time limit, Kafka unreachable). */
  readonly error?: string;
}

export interface AuditHealth {
  readonly asOf: string;
  /** The recorded head of each chain: the anchors to publish. */
  readonly heads: ChainHead[];
  /** Where chains start after retention dropped their oldest rows. */
  readonly anchors: ChainHead[];
  readonly lastVerify: AuditCheckRun | null;
  readonly lastReconciliation: AuditCheckRun | null;
}

/**
 * The audit trail's state at a glance, and its two checks run on request: `verify` walks every hash
 * chain in one snapshot, `reconcile` compares the audit with the outboxes. Each run is recorded
 * (audit_check_run) with a summary that names positions and counts, never personal values. A request
 * that arrives while the same check is running in this process waits for that run instead of starting
 * another.
 */
export class AuditHealthService {
  private verifying: Promise<AuditCheckRun<VerifySummary>> | undefined;
  private reconciling:
    Promise<{ run: AuditCheckRun<ReconcileSummary>; report: ReconciliationReport }> | undefined;

  constructor(
    private readonly audit: AuditRepository,
    private readonly runs: AuditCheckRunRepository,
    private readonly reconciliation: ReconciliationService,
    private readonly clock: () => Date,
  ) {}

  async health(): Promise<AuditHealth> {
    const asOf = this.clock().toISOString();
    const [heads, anchors, lastVerify, lastReconciliation] = await Promise.all([
      this.audit.chainHeads(),
      this.audit.chainAnchors(),
      this.runs.latest('verify'),
      this.runs.latest('reconcile'),
    ]);
    return {
      asOf,
      heads,
      anchors,
      lastVerify: lastVerify ?? null,
      lastReconciliation: lastReconciliation ?? null,
    };
  }

  verify(requestedBy: string | null): Promise<AuditCheckRun<VerifySummary>> {
    this.verifying ??= this.runVerify(requestedBy).finally(() => {
      this.verifying = undefined;
    });
    return this.verifying;
  }

  reconcile(
    requestedBy: string | null,
  ): Promise<{ run: AuditCheckRun<ReconcileSummary>; report: ReconciliationReport }> {
    this.reconciling ??= this.runReconcile(requestedBy).finally(() => {
      this.reconciling = undefined;
    });
    return this.reconciling;
  }

  private async runVerify(requestedBy: string | null): Promise<AuditCheckRun<VerifySummary>> {
    const startedAt = this.clock();
    const snapshot = await this.audit.openChainSnapshot();
    const counts = new Map<number, number>();
    let result;
    try {
      result = await verifyChain(counted(snapshot.rows, counts), {
        heads: snapshot.heads,
        anchors: snapshot.anchors,
      });
    } finally {
      await snapshot.close();
    }
    const summary = verifySummary(result, counts, snapshot.heads, snapshot.anchors);
    return this.runs.record({
      kind: 'verify',
      startedAt,
      finishedAt: this.clock(),
      ok: result.ok,
      summary,
      requestedBy,
    });
  }

  private async runReconcile(
    requestedBy: string | null,
  ): Promise<{ run: AuditCheckRun<ReconcileSummary>; report: ReconciliationReport }> {
    const startedAt = this.clock();
    let report: ReconciliationReport;
    try {
      report = await this.reconciliation.reconcile({});
    } catch (error) {
      if (
        error instanceof ApiInputError ||
        error instanceof WorkLimitError ||
        error instanceof DependencyUnavailableError
      ) {
        await this.runs.record<ReconcileSummary>({
          kind: 'reconcile',
          startedAt,
          finishedAt: this.clock(),
          ok: false,
          summary: { error: error.message },
          requestedBy,
        });
      }
      throw error;
    }
    const run = await this.runs.record<ReconcileSummary>({
      kind: 'reconcile',
      startedAt,
      finishedAt: this.clock(),
      ok: report.ok,
      summary: reconcileSummary(report),
      requestedBy,
    });
    return { run, report };
  }
}

/** What a reconcile run records: the counts of its report. */
export function reconcileSummary(report: ReconciliationReport): ReconcileSummary {
  return {
    auditDeliveries: report.auditDeliveries,
    outboxEvents: report.outboxEvents,
    missingFromOutbox: report.missingFromOutbox.length,
    missingFromAudit: report.missingFromAudit.length,
    unreadable: report.unreadable.length,
    trimmedOutboxes: report.trimmedOutboxes.length,
    notVerifiable: report.notVerifiable,
  };
}

/** What a verify run records: rows per chain, the verified heads and anchors, and the first bad row. */
export function verifySummary(
  result: ChainVerification,
  counts: ReadonlyMap<number, number>,
  recordedHeads: readonly ChainHead[],
  anchors: readonly ChainHead[],
): VerifySummary {
  const verified = new Map(result.ok ? result.heads.map((h) => [h.partition, h]) : []);
  const anchorOf = new Map(anchors.map((a) => [a.partition, a]));
  const partitions = [...new Set([...counts.keys(), ...recordedHeads.map((h) => h.partition)])].sort(
    (a, b) => a - b,
  );
  return {
    rows: result.rows,
    chains: partitions.map((partition) => ({
      partition,
      rows: counts.get(partition) ?? 0,
      head: position(verified.get(partition)),
      anchor: position(anchorOf.get(partition)),
    })),
    firstBad: result.ok ? null : result.firstBad,
  };
}

function position(head: ChainHead | undefined): { offset: string; hash: string } | null {
  return head ? { offset: head.offset, hash: head.hash } : null;
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
