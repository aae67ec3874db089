import type { DataSource } from 'typeorm';

/** One delivery the audit trail records: which outbound event, to whom, when. */
export interface AuditDelivery {
  readonly auditId: string;
  readonly outboundId: string;
  readonly recipientId: string | null;
  /** Canonical UTC instant. */
  readonly time: string;
  /** Whether `time` lies in the window asked about (rows read from the grace margins are false). */
  readonly inWindow: boolean;
}

interface Row {
  id: string;
  outbound_id: string;
  recipient_id: string | null;
  time: string;
  in_window: boolean;
}

/**
 * The audit side of reconciliation. `AuditRepository.outboundIdsBetween` gives outbound ids only and
 * needs both bounds; reconciliation pairs each outbound id with its audit id and reads the grace
 * margins around the window in the same query.
 */
export class ReconciliationRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Deliveries decided in [readFrom, readTo) (either open), each flagged whether it lies in
   * [windowFrom, windowTo). Bounds are RFC 3339 instants. With `limit`, at most that many rows are
   * returned (the earliest); ask for one more than you accept to learn that there were more.
   */
  async deliveries(bounds: {
    readFrom?: string;
    readTo?: string;
    windowFrom?: string;
    windowTo?: string;
    limit?: number;
  }): Promise<AuditDelivery[]> {
    const params: unknown[] = [bounds.windowFrom ?? null, bounds.windowTo ?? null];
    const where = [`outcome = 'delivered'`, `outbound_id IS NOT NULL`];
    if (bounds.readFrom !== undefined) {
      params.push(bounds.readFrom);
      where.push(`time >= $${params.length}::timestamptz`);
    }
    if (bounds.readTo !== undefined) {
      params.push(bounds.readTo);
      where.push(`time < $${params.length}::timestamptz`);
    }
    let limit = '';
    if (bounds.limit !== undefined) {
      params.push(bounds.limit);
      limit = ` LIMIT $${params.length}::int`;
    }
    const rows: Row[] = await this.ds.query(
      `SELECT id, outbound_id, recipient_id,
              to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS time,
              (($1::timestamptz IS NULL OR time >= $1::timestamptz) AND ($2::timestamptz IS NULL OR time < $2::timestamptz)) AS in_window
         FROM audit_record WHERE ${where.join(' AND ')}
        ORDER BY time, id${limit}`,
      params,
    );
    return rows.map((r) => ({
      auditId: r.id,
      outboundId: r.outbound_id,
      recipientId: r.recipient_id,
      time: r.time,
      inWindow: r.in_window,
    }));
  }
}
