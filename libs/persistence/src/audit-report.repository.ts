import type { DataSource } from 'typeorm';
import { SUBJECT_NOTICE_TYPE } from './subject-notice.repository';

/** The figures of a monthly report of the shared use, each read from the audit trail over [from, to). */
export interface AuditMonthFigures {
  readonly outcomes: { outcome: string; count: number }[];
  /** A delivery under two purposes counts once under each. */
  readonly deliveries: { purpose: string; role: string; type: string; count: number }[];
  readonly withheld: { type: string; role: string; path: string; count: number }[];
  readonly rejections: { reason: string; count: number }[];
  /** Deliveries under a customer's consent (relation consented-third-party), per third party and type. */
  readonly consents: { recipientId: string; type: string; count: number }[];
  /** Notices sent in the month; `acknowledged`: of those, acknowledged by the time of the report. */
  readonly notices: { purpose: string; recipientId: string; sent: number; acknowledged: number }[];
  /** Acknowledgements received in the month. */
  readonly acknowledgements: number;
}

const count = (v: string | number): number => Number(v);

/** Aggregate queries on `audit_record` for `kyodo audit report`. */
export class AuditReportRepository {
  constructor(private readonly ds: DataSource) {}

  async monthFigures(from: string, to: string): Promise<AuditMonthFigures> {
    const window = `a.time >= $1::timestamptz AND a.time < $2::timestamptz`;
    const q = <T>(sql: string, extra: unknown[] = []): Promise<T[]> =>
      this.ds.query<T[]>(sql, [from, to, ...extra]);
    const outcomes = await q<{ outcome: string; n: string }>(
      `SELECT a.outcome, count(*) AS n FROM audit_record a WHERE ${window} GROUP BY 1 ORDER BY 1`,
    );
    const deliveries = await q<{ purpose: string; role: string; type: string; n: string }>(
      `SELECT p.purpose, a.recipient_role AS role, a.type, count(*) AS n
         FROM audit_record a CROSS JOIN LATERAL unnest(a.purposes) AS p(purpose)
        WHERE ${window} AND a.outcome = 'delivered' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    );
    const withheld = await q<{ type: string; role: string; path: string; n: string }>(
      `SELECT a.type, a.recipient_role AS role, w.path, count(*) AS n
         FROM audit_record a CROSS JOIN LATERAL unnest(a.fields_withheld) AS w(path)
        WHERE ${window} AND a.outcome = 'delivered' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    );
    const rejections = await q<{ reason: string; n: string }>(
      `SELECT coalesce(a.reason, '(none)') AS reason, count(*) AS n FROM audit_record a
        WHERE ${window} AND a.outcome = 'rejected' GROUP BY 1 ORDER BY 1`,
    );
    const consents = await q<{ recipient_id: string; type: string; n: string }>(
      `SELECT a.recipient_id, a.type, count(*) AS n FROM audit_record a
        WHERE ${window} AND a.outcome = 'delivered' AND 'consented-third-party' = ANY(a.relations)
        GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    const notices = await q<{ purpose: string; recipient_id: string; sent: string; acknowledged: string }>(
      `SELECT coalesce(a.purposes[1], '') AS purpose, a.recipient_id, count(*) AS sent,
              count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM audit_record x WHERE x.outcome = 'acknowledged'
                   AND x.supply_point_hmac = a.supply_point_hmac AND x.outbound_id = a.outbound_id)) AS acknowledged
         FROM audit_record a
        WHERE ${window} AND a.outcome = 'delivered' AND a.type = $3 GROUP BY 1, 2 ORDER BY 1, 2`,
      [SUBJECT_NOTICE_TYPE],
    );
    const [acks] = await q<{ n: string }>(
      `SELECT count(*) AS n FROM audit_record a WHERE ${window} AND a.outcome = 'acknowledged'`,
    );
    return {
      outcomes: outcomes.map((r) => ({ outcome: r.outcome, count: count(r.n) })),
      deliveries: deliveries.map((r) => ({
        purpose: r.purpose,
        role: r.role,
        type: r.type,
        count: count(r.n),
      })),
      withheld: withheld.map((r) => ({ type: r.type, role: r.role, path: r.path, count: count(r.n) })),
      rejections: rejections.map((r) => ({ reason: r.reason, count: count(r.n) })),
      consents: consents.map((r) => ({ recipientId: r.recipient_id, type: r.type, count: count(r.n) })),
      notices: notices.map((r) => ({
        purpose: r.purpose,
        recipientId: r.recipient_id,
        sent: count(r.sent),
        acknowledged: count(r.acknowledged),
      })),
      acknowledgements: count(acks?.n ?? 0),
    };
  }
}
