import {
  GATEWAY_SOURCE,
  REJECTION_REASONS,
  checkPartyReferences,
  parseInbound,
  type InboundEvent,
  type InboundPartial,
  type OutboundEvent,
  type RegistrySnapshot,
  type Rejection,
  type RejectionReason,
  type Topics,
} from '@kyodo/contracts';
import { evaluate, type CompiledPolicy, type Delivery } from '@kyodo/policy';
import { auditRecordId, outboundEventId, supplyPointHmac, type AuditRecord } from '@kyodo/audit';

/** One inbound Kafka record as the router sees it. */
export interface InboundRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** A record to publish; the caller commits all of a batch's outputs in one transaction. */
export interface OutputRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly value: string;
}

/** What the gateway writes to the dead-letter topic for a rejected record. */
export interface DeadLetter {
  readonly reason: RejectionReason;
  readonly message: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  /** The original bytes: as text when they are valid UTF-8, otherwise base64. */
  readonly value: string | null;
  readonly valueEncoding: 'utf8' | 'base64';
  readonly rejectedAt: string;
  readonly auditId: string;
  readonly policyVersion: string;
}

export interface RouterOptions {
  readonly policy: CompiledPolicy;
  readonly topics: Topics;
  readonly hmacKey: string;
  /** Injected so audit records are deterministic in tests. */
  readonly clock?: () => Date;
}

/** Per-batch tallies: every input is either accepted (delivered to zero or more parties) or rejected. */
export interface RouteStats {
  inputs: number;
  accepted: number;
  rejected: number;
  deliveries: number;
  readonly rejections: Partial<Record<RejectionReason, number>>;
  readonly deliveriesByRole: Record<string, number>;
}

export function emptyStats(): RouteStats {
  return { inputs: 0, accepted: 0, rejected: 0, deliveries: 0, rejections: {}, deliveriesByRole: {} };
}

/**
 * Validate, route and redact inbound records into outbound events, audit records and dead letters.
 * Pure: no I/O. A record that fails for an unexpected reason becomes an `internal` rejection, so one
 * bad record can never stop the stream.
 */
export class Router {
  private readonly clock: () => Date;

  constructor(private readonly options: RouterOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  get policyVersion(): string {
    return this.options.policy.version;
  }

  /** Routes `records` in order, appending to `out`. */
  routeBatch(
    records: readonly InboundRecord[],
    registry: RegistrySnapshot,
    out: OutputRecord[],
    stats = emptyStats(),
  ): RouteStats {
    const now = this.clock().toISOString();
    for (const record of records) {
      stats.inputs += 1;
      const mark = out.length;
      try {
        this.routeRecord(record, registry, now, out, stats);
      } catch (error) {
        out.length = mark;
        this.reject(
          record,
          now,
          { reason: 'internal', message: describeInternal(error) },
          undefined,
          out,
          stats,
        );
      }
    }
    return stats;
  }

  private routeRecord(
    record: InboundRecord,
    registry: RegistrySnapshot,
    now: string,
    out: OutputRecord[],
    stats: RouteStats,
  ): void {
    const topics = this.options.topics;
    const sender = topics.senderOf(record.topic);
    if (sender === undefined) {
      this.reject(
        record,
        now,
        { reason: 'internal', message: `${record.topic} is not an inbox topic` },
        undefined,
        out,
        stats,
      );
      return;
    }
    const parsed = parseInbound({
      value: record.value,
      key: record.key,
      topic: record.topic,
      senderId: sender,
    });
    if (!parsed.ok) {
      this.reject(record, now, parsed.rejection, parsed.partial, out, stats);
      return;
    }
    const { event, kind, supplyPointId } = parsed;
    const unknownParty = checkPartyReferences(kind, event.data, registry);
    if (unknownParty) {
      this.reject(
        record,
        now,
        unknownParty,
        { source: event.source, id: event.id, type: event.type, time: event.time, supplyPointId },
        out,
        stats,
      );
      return;
    }
    const decision = evaluate(this.options.policy, event, kind, registry, { sender });
    stats.accepted += 1;
    if (decision.deliveries.length === 0) {
      const known = { source: event.source, id: event.id, type: event.type, time: event.time, supplyPointId };
      out.push(this.auditOutput(this.undeliveredAudit(record, now, 'no-recipient', null, known)));
      return;
    }
    const hmac = supplyPointHmac(this.options.hmacKey, supplyPointId);
    for (const delivery of decision.deliveries) {
      this.deliver(record, event, supplyPointId, hmac, delivery, now, out);
      stats.deliveries += 1;
      const role = delivery.recipient.role;
      stats.deliveriesByRole[role] = (stats.deliveriesByRole[role] ?? 0) + 1;
    }
  }

  private deliver(
    record: InboundRecord,
    event: InboundEvent,
    supplyPointId: string,
    hmac: string,
    delivery: Delivery,
    now: string,
    out: OutputRecord[],
  ): void {
    const recipient = delivery.recipient;
    const auditId = auditRecordId(record, recipient.id);
    const outboundId = outboundEventId(event.source, event.id, recipient.id);
    const policyVersion = this.options.policy.version;
    const outbound: OutboundEvent = {
      specversion: '1.0',
      id: outboundId,
      source: GATEWAY_SOURCE,
      type: event.type,
      subject: event.subject,
      time: event.time,
      datacontenttype: 'application/json',
      data: delivery.data,
      kyodopurpose: delivery.purposes.join(' '),
      kyodopolicy: policyVersion,
      kyodoaudit: auditId,
      kyodoorigin: event.source,
      kyodooriginid: event.id,
    };
    out.push({
      topic: this.options.topics.outbox(recipient.id),
      key: supplyPointId,
      value: JSON.stringify(outbound),
    });
    const audit: AuditRecord = {
      id: auditId,
      time: now,
      eventTime: event.time,
      inboundTopic: record.topic,
      inboundPartition: record.partition,
      inboundOffset: record.offset,
      inboundSource: event.source,
      inboundId: event.id,
      type: event.type,
      supplyPointHmac: hmac,
      recipientId: recipient.id,
      recipientRole: recipient.role,
      relations: delivery.relations,
      purposes: delivery.purposes,
      fieldsDelivered: delivery.fieldsDelivered,
      fieldsWithheld: delivery.fieldsWithheld,
      policyVersion,
      outcome: 'delivered',
      reason: null,
      outboundId,
    };
    out.push(this.auditOutput(audit));
  }

  /** The audit record of an input that was delivered to nobody: rejected, or concerning no party. */
  private undeliveredAudit(
    record: InboundRecord,
    now: string,
    outcome: 'rejected' | 'no-recipient',
    reason: RejectionReason | null,
    known: InboundPartial | undefined,
  ): AuditRecord {
    return {
      id: auditRecordId(record, null),
      time: now,
      eventTime: known?.time ?? null,
      inboundTopic: record.topic,
      inboundPartition: record.partition,
      inboundOffset: record.offset,
      inboundSource: known?.source ?? null,
      inboundId: known?.id ?? null,
      type: known?.type ?? null,
      supplyPointHmac: known?.supplyPointId
        ? supplyPointHmac(this.options.hmacKey, known.supplyPointId)
        : null,
      recipientId: null,
      recipientRole: null,
      relations: [],
      purposes: [],
      fieldsDelivered: [],
      fieldsWithheld: [],
      policyVersion: this.options.policy.version,
      outcome,
      reason,
      outboundId: null,
    };
  }

  private reject(
    record: InboundRecord,
    now: string,
    rejection: Rejection,
    partial: InboundPartial | undefined,
    out: OutputRecord[],
    stats: RouteStats,
  ): void {
    stats.rejected += 1;
    stats.rejections[rejection.reason] = (stats.rejections[rejection.reason] ?? 0) + 1;
    const value = encodeOriginal(record.value);
    const letter: DeadLetter = {
      reason: rejection.reason,
      message: rejection.message,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      key: record.key === null ? null : record.key.toString('utf8'),
      value: value.value,
      valueEncoding: value.encoding,
      rejectedAt: now,
      auditId: auditRecordId(record, null),
      policyVersion: this.options.policy.version,
    };
    out.push({ topic: this.options.topics.dlq, key: letter.key, value: JSON.stringify(letter) });
    out.push(this.auditOutput(this.undeliveredAudit(record, now, 'rejected', rejection.reason, partial)));
  }

  /** Audit records are keyed by the supply point's HMAC, so one supply point's trail stays in one chain. */
  private auditOutput(audit: AuditRecord): OutputRecord {
    return {
      topic: this.options.topics.audit,
      key: audit.supplyPointHmac ?? audit.inboundTopic,
      value: JSON.stringify(audit),
    };
  }
}

function encodeOriginal(value: Buffer | null): { value: string | null; encoding: 'utf8' | 'base64' } {
  if (value === null) return { value: null, encoding: 'utf8' };
  const text = value.toString('utf8');
  // A round trip that changes the bytes means they were not valid UTF-8.
  if (Buffer.byteLength(text, 'utf8') === value.length && Buffer.from(text, 'utf8').equals(value)) {
    return { value: text, encoding: 'utf8' };
  }
  return { value: value.toString('base64'), encoding: 'base64' };
}

function describeInternal(error: unknown): string {
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return `${REJECTION_REASONS.internal}: ${name}: ${message.slice(0, 200)}`;
}
