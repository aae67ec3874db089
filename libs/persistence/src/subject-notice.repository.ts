import type { DataSource } from 'typeorm';

export const SUBJECT_NOTICE_TYPE = 'jp.kyodo.subject-notice.v1';
export const SUBJECT_NOTICE_ACK_TYPE = 'jp.kyodo.subject-notice-ack.v1';

/** One subject notice as the audit trail records it, with its acknowledgement if any. */
export interface NoticeStatusRow {
  readonly noticeId: string;
  readonly auditId: string;
  readonly sentAt: string;
  readonly recipientId: string;
  readonly recipientRole: string;
  readonly reference: string;
  readonly purposes: readonly string[];
  readonly acknowledgedAt: string | null;
  readonly acknowledgementAuditId: string | null;
}

interface DbRow {
  notice_id: string;
  audit_id: string;
  sent_at: string;
  recipient_id: string;
  recipient_role: string;
  reference: string;
  purposes: string[];
  acknowledged_at: string | null;
  ack_audit_id: string | null;
}

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** Subject notices and their acknowledgements, read from the audit trail by the supply point's HMAC. */
export class SubjectNoticeRepository {
  constructor(private readonly ds: DataSource) {}

  /** Which of these notice ids the audit trail already records as sent. */
  async sentAlready(supplyPointHmac: string, noticeIds: readonly string[]): Promise<Set<string>> {
    if (noticeIds.length === 0) return new Set();
    const rows: { outbound_id: string }[] = await this.ds.query(
      `SELECT DISTINCT outbound_id FROM audit_record
        WHERE supply_point_hmac = $1 AND type = $2 AND outcome = 'delivered' AND outbound_id = ANY($3::text[])`,
      [supplyPointHmac, SUBJECT_NOTICE_TYPE, noticeIds],
    );
    return new Set(rows.map((r) => r.outbound_id));
  }

  /** The notices about one supply point sent in [from, to) (open when undefined), by time. */
  async noticesAbout(supplyPointHmac: string, from?: string, to?: string): Promise<NoticeStatusRow[]> {
    const params: unknown[] = [supplyPointHmac, SUBJECT_NOTICE_TYPE, SUBJECT_NOTICE_ACK_TYPE];
    const where = [`n.supply_point_hmac = $1`, `n.type = $2`, `n.outcome = 'delivered'`];
    if (from !== undefined) {
      params.push(from);
      where.push(`n.time >= $${params.length}::timestamptz`);
    }
    if (to !== undefined) {
      params.push(to);
      where.push(`n.time < $${params.length}::timestamptz`);
    }
    const rows: DbRow[] = await this.ds.query(
      `SELECT n.outbound_id AS notice_id, n.id AS audit_id,
              to_char(n.time AT TIME ZONE 'UTC', ${ISO}) AS sent_at,
              n.recipient_id, n.recipient_role, n.inbound_id AS reference, n.purposes,
              to_char(a.time AT TIME ZONE 'UTC', ${ISO}) AS acknowledged_at, a.id AS ack_audit_id
         FROM audit_record n
         LEFT JOIN LATERAL (
           SELECT x.time, x.id FROM audit_record x
            WHERE x.outcome = 'acknowledged' AND x.type = $3
              AND x.supply_point_hmac = n.supply_point_hmac AND x.outbound_id = n.outbound_id
            ORDER BY x.time, x.id LIMIT 1) a ON true
        WHERE ${where.join(' AND ')}
        ORDER BY n.time, n.id`,
      params,
    );
    return rows.map((r) => ({
      noticeId: r.notice_id,
      auditId: r.audit_id,
      sentAt: r.sent_at,
      recipientId: r.recipient_id,
      recipientRole: r.recipient_role,
      reference: r.reference,
      purposes: r.purposes,
      acknowledgedAt: r.acknowledged_at,
      acknowledgementAuditId: r.ack_audit_id,
    }));
  }
}
