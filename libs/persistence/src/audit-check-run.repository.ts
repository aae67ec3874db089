import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

export const AUDIT_CHECK_KINDS = ['verify', 'reconcile'] as const;
export type AuditCheckKind = (typeof AUDIT_CHECK_KINDS)[number];

/** One finished run of an audit check: when, whether it passed, and a summary without personal values. */
export interface AuditCheckRun<S = Record<string, unknown>> {
  readonly id: string;
  readonly kind: AuditCheckKind;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly ok: boolean;
  readonly summary: S;
  /** The API key id that asked for it, or null (the command line). */
  readonly requestedBy: string | null;
}

export interface NewAuditCheckRun<S> {
  readonly kind: AuditCheckKind;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly ok: boolean;
  readonly summary: S;
  readonly requestedBy?: string | null;
}

interface DbRow {
  id: string;
  kind: AuditCheckKind;
  started_at: Date;
  finished_at: Date;
  ok: boolean;
  summary: Record<string, unknown>;
  requested_by: string | null;
}

const COLUMNS = 'id, kind, started_at, finished_at, ok, summary, requested_by';

/** The record of audit checks run (`audit_check_run`). */
export class AuditCheckRunRepository {
  constructor(private readonly ds: DataSource) {}

  async record<S extends object>(run: NewAuditCheckRun<S>): Promise<AuditCheckRun<S>> {
    if (!AUDIT_CHECK_KINDS.includes(run.kind))
      throw new RangeError(`unknown audit check ${JSON.stringify(run.kind)}`);
    const rows: DbRow[] = await this.ds.query(
      `INSERT INTO audit_check_run (id, kind, started_at, finished_at, ok, summary, requested_by)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) RETURNING ${COLUMNS}`,
      [
        randomUUID(),
        run.kind,
        run.startedAt.toISOString(),
        run.finishedAt.toISOString(),
        run.ok,
        JSON.stringify(run.summary),
        run.requestedBy ?? null,
      ],
    );
    return toRun(rows[0]) as AuditCheckRun<S>;
  }

  /** The most recently finished run of this check, if any. */
  async latest(kind: AuditCheckKind): Promise<AuditCheckRun | undefined> {
    const rows: DbRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM audit_check_run WHERE kind = $1 ORDER BY finished_at DESC, id DESC LIMIT 1`,
      [kind],
    );
    return rows[0] ? toRun(rows[0]) : undefined;
  }
}

function toRun(row: DbRow): AuditCheckRun {
  return {
    id: row.id,
    kind: row.kind,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at.toISOString(),
    ok: row.ok,
    summary: row.summary,
    requestedBy: row.requested_by,
  };
}
