import type { DataSource } from 'typeorm';
import type { TimeWindow } from '../time-bounds';

/** Rejections on one day in Japan, for one reason. */
export interface RejectionCount {
  readonly day: string;
  readonly reason: string;
  readonly count: number;
}

/** A rejection as the console lists it: where the record came from and why, never what it held. */
export interface RejectionSummary {
  readonly auditId: string;
  readonly time: string;
  readonly reason: string;
  readonly type: string | null;
  readonly inboundSource: string | null;
  readonly inboundTopic: string;
  readonly inboundPartition: number;
  readonly inboundOffset: string;
}

/** Deliveries to one recipient role for one purpose, and how many field paths were delivered or withheld. */
export interface MinimisationGroup {
  readonly recipientRole: string;
  readonly purpose: string;
  readonly deliveries: number;
  readonly fieldsDelivered: number;
  readonly fieldsWithheld: number;
}

export interface MinimisationFieldCount {
  readonly recipientRole: string;
  readonly purpose: string;
  readonly kind: 'delivered' | 'withheld';
  readonly field: string;
  readonly count: number;
}

/**
 * Aggregates over the audit trail for the console. They read only outcomes, reasons, roles, purposes,
 * field paths and inbound coordinates: never a supply point HMAC or an inbound event id.
 */
export class AuditInsightsRepository {
  constructor(private readonly ds: DataSource) {}

  async rejectionsByDay(window: TimeWindow): Promise<RejectionCount[]> {
    const { where, params } = conditions(`a.outcome = 'rejected'`, window);
    const rows: { day: string; reason: string | null; count: number }[] = await this.ds.query(
      `SELECT to_char((a.time AT TIME ZONE 'UTC') + interval '9 hours', 'YYYY-MM-DD') AS day,
              a.reason, count(*)::int AS count
         FROM audit_record a WHERE ${where}
        GROUP BY 1, 2 ORDER BY 1, 2`,
      params,
    );
    return rows.map((r) => ({ day: r.day, reason: r.reason ?? 'unknown', count: r.count }));
  }

  async latestRejections(window: TimeWindow, limit: number): Promise<RejectionSummary[]> {
    const { where, params } = conditions(`a.outcome = 'rejected'`, window);
    params.push(limit);
    const rows: {
      id: string;
      time: string;
      reason: string | null;
      type: string | null;
      inbound_source: string | null;
      inbound_topic: string;
      inbound_partition: number;
      inbound_offset: string;
    }[] = await this.ds.query(
      `SELECT a.id, to_char(a.time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time, a.reason, a.type,
              a.inbound_source, a.inbound_topic, a.inbound_partition, a.inbound_offset::text AS inbound_offset
         FROM audit_record a WHERE ${where}
        ORDER BY a.time DESC, a.id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      auditId: r.id,
      time: r.time,
      reason: r.reason ?? 'unknown',
      type: r.type,
      inboundSource: r.inbound_source,
      inboundTopic: r.inbound_topic,
      inboundPartition: r.inbound_partition,
      inboundOffset: r.inbound_offset,
    }));
  }

  /** A delivery made for several purposes counts once under each. */
  async minimisationGroups(window: TimeWindow): Promise<MinimisationGroup[]> {
    const { where, params } = conditions(`a.outcome = 'delivered'`, window);
    const rows: {
      role: string | null;
      purpose: string;
      deliveries: number;
      delivered: number;
      withheld: number;
    }[] = await this.ds.query(
      `SELECT a.recipient_role AS role, p.purpose, count(*)::int AS deliveries,
              sum(cardinality(a.fields_delivered))::int AS delivered,
              sum(cardinality(a.fields_withheld))::int AS withheld
         FROM audit_record a CROSS JOIN LATERAL unnest(a.purposes) AS p(purpose)
        WHERE ${where}
        GROUP BY 1, 2 ORDER BY 1, 2`,
      params,
    );
    return rows.map((r) => ({
      recipientRole: r.role ?? 'unknown',
      purpose: r.purpose,
      deliveries: r.deliveries,
      fieldsDelivered: r.delivered,
      fieldsWithheld: r.withheld,
    }));
  }

  /** How often each field path was delivered or withheld, per recipient role and purpose. */
  async minimisationFields(window: TimeWindow): Promise<MinimisationFieldCount[]> {
    const { where, params } = conditions(`a.outcome = 'delivered'`, window);
    const rows: {
      role: string | null;
      purpose: string;
      kind: 'delivered' | 'withheld';
      field: string;
      count: number;
    }[] = await this.ds.query(
      `SELECT a.recipient_role AS role, p.purpose, f.kind, f.field, count(*)::int AS count
           FROM audit_record a
           CROSS JOIN LATERAL unnest(a.purposes) AS p(purpose)
           CROSS JOIN LATERAL (
             SELECT 'delivered' AS kind, d AS field FROM unnest(a.fields_delivered) AS d
             UNION ALL
             SELECT 'withheld', w FROM unnest(a.fields_withheld) AS w
           ) AS f
          WHERE ${where}
          GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 5 DESC, 4`,
      params,
    );
    return rows.map((r) => ({
      recipientRole: r.role ?? 'unknown',
      purpose: r.purpose,
      kind: r.kind,
      field: r.field,
      count: r.count,
    }));
  }
}

function conditions(first: string, window: TimeWindow): { where: string; params: unknown[] } {
  const where = [first];
  const params: unknown[] = [];
  if (window.from !== undefined) {
    params.push(window.from);
    where.push(`a.time >= $${params.length}::timestamptz`);
  }
  if (window.to !== undefined) {
    params.push(window.to);
    where.push(`a.time < $${params.length}::timestamptz`);
  }
  return { where: where.join(' AND '), params };
}
