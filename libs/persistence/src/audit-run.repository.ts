import type { DataSource } from 'typeorm';

/** The result of one regular audit: the chain verified and the outboxes reconciled. */
export interface AuditRun {
  readonly startedAt: string;
  readonly finishedAt: string;
  /** `startup` (soon after start) or `schedule`. */
  readonly trigger: string;
  readonly chainOk: boolean | null;
  readonly chainRows: number | null;
  /** Where the chain first broke: partition, offset, id, problem. Never a personal value. */
  readonly chainFirstBad: Readonly<Record<string, unknown>> | null;
  readonly reconcileOk: boolean | null;
  readonly auditDeliveries: number | null;
  readonly outboxEvents: number | null;
  readonly missingFromOutbox: number | null;
  readonly missingFromAudit: number | null;
  /** Why a step could not run (the database or Kafka unreachable), when it could not. */
  readonly error: string | null;
}

interface DbRow {
  started_at: Date;
  finished_at: Date;
  trigger: string;
  chain_ok: boolean | null;
  chain_rows: string | null;
  chain_first_bad: Record<string, unknown> | null;
  reconcile_ok: boolean | null;
  audit_deliveries: string | null;
  outbox_events: string | null;
  missing_from_outbox: number | null;
  missing_from_audit: number | null;
  error: string | null;
}

const num = (v: string | null): number | null => (v === null ? null : Number(v));

/** `audit_run`: one row per regular audit. */
export class AuditRunRepository {
  constructor(private readonly ds: DataSource) {}

  async record(run: AuditRun): Promise<void> {
    await this.ds.query(
      `INSERT INTO audit_run (started_at, finished_at, trigger, chain_ok, chain_rows, chain_first_bad,
         reconcile_ok, audit_deliveries, outbox_events, missing_from_outbox, missing_from_audit, error)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12)`,
      [
        run.startedAt,
        run.finishedAt,
        run.trigger,
        run.chainOk,
        run.chainRows,
        run.chainFirstBad === null ? null : JSON.stringify(run.chainFirstBad),
        run.reconcileOk,
        run.auditDeliveries,
        run.outboxEvents,
        run.missingFromOutbox,
        run.missingFromAudit,
        run.error,
      ],
    );
  }

  /** Runs started in [from, to), oldest first. */
  async between(from: string, to: string): Promise<AuditRun[]> {
    const rows: DbRow[] = await this.ds.query(
      `SELECT * FROM audit_run WHERE started_at >= $1 AND started_at < $2 ORDER BY started_at, id`,
      [from, to],
    );
    return rows.map((r) => ({
      startedAt: r.started_at.toISOString(),
      finishedAt: r.finished_at.toISOString(),
      trigger: r.trigger,
      chainOk: r.chain_ok,
      chainRows: num(r.chain_rows),
      chainFirstBad: r.chain_first_bad,
      reconcileOk: r.reconcile_ok,
      auditDeliveries: num(r.audit_deliveries),
      outboxEvents: num(r.outbox_events),
      missingFromOutbox: r.missing_from_outbox,
      missingFromAudit: r.missing_from_audit,
      error: r.error,
    }));
  }
}
