import { isUtf8 } from 'node:buffer';
import {
  MAX_EVENT_BYTES,
  isNoticeType,
  REJECTION_REASONS,
  STRUCTURED_EVENT_HEADERS,
  checkPartyReferences,
  parseInbound,
  type InboundEvent,
  type InboundPartial,
  type RegistrySnapshot,
  type Rejection,
  type RejectionReason,
  type Topics,
} from '@kyodo/contracts';
import { authorizeSender, evaluate, type CompiledPolicy, type Delivery } from '@kyodo/policy';
import { auditRecordId, outboundEventId, supplyPointHmac, type AuditRecord } from '@kyodo/audit';
import { AcceptedIds } from './accepted-ids';
import { DeliveryWriter } from './delivery-writer';
import { auditedInbound } from './rejected-inbound';
import { readAcknowledgement } from './acknowledgement';

/** One inbound Kafka record as the router sees it. */
export interface InboundRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Kafka headers, when the record has any (`ce_*` ones mark an event in binary content mode). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A record to publish; the caller commits all of a batch's outputs in one transaction. */
export interface OutputRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly value: string;
  /** Set by `RouterOptions.recordHeaders`; one object shared by all outputs of an input. */
  headers?: Readonly<Record<string, string>>;
}

/** What the gateway writes to the dead-letter topic for a rejected record. */
export interface DeadLetter {
  readonly reason: RejectionReason;
  readonly message: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The original key: as text when it is valid UTF-8, otherwise base64. */
  readonly key: string | null;
  readonly keyEncoding: 'utf8' | 'base64';
  /**
   * The original bytes: as text when they are valid UTF-8, within the 1 MiB event limit and no longer
   * as JSON text than as base64; otherwise base64 (so a dead letter never grows past about 4/3 of what
   * the inbox accepted).
   */
  readonly value: string | null;
  readonly valueEncoding: 'utf8' | 'base64';
  /** The original record's Kafka headers, when it had any (binary content mode keeps its attributes there; a redrive re-sends them). */
  readonly headers?: Readonly<Record<string, string>>;
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
  /** Largest outbound, audit or dead-letter record; an input needing a larger one is rejected. */
  readonly maxOutputBytes?: number;
  /**
   * The memory of accepted (source, id) pairs: a re-sent event is rejected as `duplicate`. Accepted
   * inputs are staged in it; the caller commits or discards them with the batch.
   */
  readonly acceptedIds?: AcceptedIds;
  /**
   * Asked once per batch: false while the registry copy may be stale, so that nothing is delivered
   * under consented-third-party (v1.1, fail closed). Default: always current.
   */
  readonly registryCurrent?: () => boolean;
  /**
   * Called once per input after it was routed, with its event id where known and its rejection reason
   * if rejected; the headers returned (trace context, say) go on every record written for that input.
   */
  readonly recordHeaders?: (
    record: InboundRecord,
    eventId: string | undefined,
    rejected: RejectionReason | undefined,
  ) => Readonly<Record<string, string>> | undefined;
}

/** Fields delivered and withheld, summed over deliveries, per recipient role and purposes. */
export interface FieldTally {
  delivered: number;
  withheld: number;
}

/** Per-batch tallies: every input is either accepted (delivered to zero or more parties) or rejected. */
export interface RouteStats {
  inputs: number;
  accepted: number;
  rejected: number;
  deliveries: number;
  readonly rejections: Partial<Record<RejectionReason, number>>;
  readonly deliveriesByRole: Record<string, number>;
  /**
   * By recipient role, then by its purposes (space-separated, as in `kyodopurpose`): how many field
   * paths were delivered and how many withheld (data minimisation at a glance).
   */
  readonly fields: Record<string, Record<string, FieldTally>>;
}

export function emptyStats(): RouteStats {
  return {
    inputs: 0,
    accepted: 0,
    rejected: 0,
    deliveries: 0,
    rejections: {},
    deliveriesByRole: {},
    fields: {},
  };
}

/**
 * Validate, route and redact inbound records into outbound events, audit records and dead letters.
 * Pure: no I/O. A record that fails for an unexpected reason becomes an `internal` rejection, so one
 * bad record can never stop the stream.
 */
export class Router {
  private readonly clock: () => Date;
  private readonly maxOutputBytes: number;
  /** Serialises each delivery's outbound event and audit record. */
  private readonly writer = new DeliveryWriter();
  /** Whether the registry copy of the batch in hand is current (see RouterOptions.registryCurrent). */
  private registryCurrent = true;
  /** A delivery's purposes joined by spaces, by the (compiled, shared) purposes list. */
  private readonly purposeLabels = new Map<readonly string[], string>();

  constructor(private readonly options: RouterOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.maxOutputBytes = options.maxOutputBytes ?? MAX_OUTPUT_BYTES;
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
    const clock = this.clock();
    const now = clock.toISOString();
    const nowMs = clock.getTime();
    this.registryCurrent = this.options.registryCurrent?.() ?? true;
    for (const record of records) {
      stats.inputs += 1;
      const mark = out.length;
      let outcome: Outcome;
      try {
        outcome = this.routeRecord(record, registry, now, nowMs, out);
        // Dead letters are bounded by construction (see DeadLetter); deliveries are checked.
        const oversized = outcome.accepted ? oversizedOutput(out, mark, this.maxOutputBytes) : undefined;
        if (oversized !== undefined) {
          out.length = mark;
          outcome = this.reject(record, now, oversized, undefined, out);
        }
      } catch (error) {
        out.length = mark;
        outcome = this.reject(
          record,
          now,
          { reason: 'internal', message: describeInternal(error) },
          undefined,
          out,
        );
      }
      if (outcome.accepted) {
        this.options.acceptedIds?.stage(
          AcceptedIds.key(record.topic, record.partition),
          outcome.source,
          outcome.eventId,
          nowMs,
        );
      }
      this.tally(stats, outcome);
      const decorate = this.options.recordHeaders;
      if (decorate !== undefined) {
        const headers = decorate(record, outcome.eventId, outcome.accepted ? undefined : outcome.reason);
        if (headers !== undefined) {
          // All outbound records of an input share one headers object, so they share one merge too
          // (and the client encodes it once).
          let mergedFrom: object | undefined;
          let merged = headers;
          for (let i = mark; i < out.length; i++) {
            const own = out[i].headers;
            if (own === undefined) {
              out[i].headers = headers;
              continue;
            }
            if (own !== mergedFrom) merged = { ...(mergedFrom = own), ...headers };
            out[i].headers = merged;
          }
        }
      }
    }
    return stats;
  }

  private tally(stats: RouteStats, outcome: Outcome): void {
    if (!outcome.accepted) {
      stats.rejected += 1;
      stats.rejections[outcome.reason] = (stats.rejections[outcome.reason] ?? 0) + 1;
      return;
    }
    stats.accepted += 1;
    const deliveries = outcome.deliveries;
    stats.deliveries += deliveries.length;
    for (let i = 0; i < deliveries.length; i++) {
      const d = deliveries[i];
      const role = d.recipient.role;
      stats.deliveriesByRole[role] = (stats.deliveriesByRole[role] ?? 0) + 1;
      let label = this.purposeLabels.get(d.purposes);
      if (label === undefined) this.purposeLabels.set(d.purposes, (label = d.purposes.join(' ')));
      const byPurpose = (stats.fields[role] ??= {});
      const tally = (byPurpose[label] ??= { delivered: 0, withheld: 0 });
      tally.delivered += d.fieldsDelivered.length;
      tally.withheld += d.fieldsWithheld.length;
    }
  }

  private routeRecord(
    record: InboundRecord,
    registry: RegistrySnapshot,
    now: string,
    nowMs: number,
    out: OutputRecord[],
  ): Outcome {
    const topics = this.options.topics;
    const sender = topics.senderOf(record.topic);
    if (sender === undefined) {
      const rejection: Rejection = { reason: 'internal', message: `${record.topic} is not an inbox topic` };
      return this.reject(record, now, rejection, undefined, out);
    }
    const parsed = parseInbound({
      value: record.value,
      key: record.key,
      topic: record.topic,
      senderId: sender,
      headers: record.headers,
    });
    const notice =
      !parsed.ok && parsed.rejection.reason === 'unknown-type' && isNoticeType(parsed.partial?.type);
    if (notice && record.value !== null) {
      // A valid envelope of one of Kyodo's own notice types: a party may only acknowledge (acknowledgement.ts).
      const options = { hmacKey: this.options.hmacKey, policyVersion: this.policyVersion, now };
      const ack = readAcknowledgement({ ...record, value: record.value }, sender, options);
      if (!ack.ok) return this.reject(record, now, ack.rejection, ack.partial, out);
      out.push(this.auditOutput(ack.audit));
      return {
        accepted: true,
        deliveries: [],
        eventId: ack.audit.inboundId ?? '',
        source: ack.audit.inboundSource ?? '',
      };
    }
    if (!parsed.ok) return this.reject(record, now, parsed.rejection, parsed.partial, out);
    const { event, kind, supplyPointId } = parsed;
    const known = { source: event.source, id: event.id, type: event.type, time: event.time, supplyPointId };
    const accepted = this.options.acceptedIds;
    if (accepted?.has(AcceptedIds.key(record.topic, record.partition), event.source, event.id, nowMs)) {
      const duplicate: Rejection = {
        reason: 'duplicate',
        message: `${REJECTION_REASONS.duplicate}: id ${JSON.stringify(event.id.slice(0, 100))}`,
      };
      return this.reject(record, now, duplicate, known, out);
    }
    const unknownParty = checkPartyReferences(kind, event.data, registry);
    if (unknownParty) return this.reject(record, now, unknownParty, known, out);
    const notAllowed = authorizeSender(this.options.policy, event, kind, registry, sender);
    if (notAllowed) return this.reject(record, now, notAllowed, known, out);
    const decision = evaluate(this.options.policy, event, kind, registry, {
      sender,
      now,
      registryCurrent: this.registryCurrent,
    });
    if (decision.deliveries.length === 0) {
      out.push(this.auditOutput(this.undeliveredAudit(record, now, 'no-recipient', null, known)));
      return { accepted: true, deliveries: decision.deliveries, eventId: event.id, source: event.source };
    }
    const hmac = supplyPointHmac(this.options.hmacKey, supplyPointId);
    this.writer.begin(record, event, hmac, now, this.options.policy.version);
    for (const delivery of decision.deliveries) this.deliver(record, event, supplyPointId, delivery, out);
    return { accepted: true, deliveries: decision.deliveries, eventId: event.id, source: event.source };
  }

  private deliver(
    record: InboundRecord,
    event: InboundEvent,
    supplyPointId: string,
    delivery: Delivery,
    out: OutputRecord[],
  ): void {
    const recipientId = delivery.recipient.id;
    const auditId = auditRecordId(record, recipientId);
    const outboundId = outboundEventId(event.source, event.id, recipientId);
    out.push({
      topic: this.options.topics.outbox(recipientId),
      key: supplyPointId,
      value: this.writer.outbound(delivery, outboundId, auditId),
      headers: STRUCTURED_EVENT_HEADERS,
    });
    out.push({
      topic: this.options.topics.audit,
      key: this.writer.hmac,
      value: this.writer.audit(delivery, auditId, outboundId),
    });
  }

  /** The audit record of an input that was delivered to nobody: rejected, or concerning no party. */
  private undeliveredAudit(
    record: InboundRecord,
    now: string,
    outcome: 'rejected' | 'no-recipient',
    reason: RejectionReason | null,
    known: InboundPartial | undefined,
  ): AuditRecord {
    // A rejected record's sender-chosen strings are sealed; an accepted one's were validated.
    const inbound =
      outcome === 'rejected'
        ? auditedInbound(known, this.options.topics.senderOf(record.topic), this.options.hmacKey)
        : { inboundSource: known?.source ?? null, inboundId: known?.id ?? null, type: known?.type ?? null };
    return {
      id: auditRecordId(record, null),
      time: now,
      eventTime: known?.time ?? null,
      inboundTopic: record.topic,
      inboundPartition: record.partition,
      inboundOffset: record.offset,
      ...inbound,
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
  ): Outcome {
    const key = encodeBytes(record.key, MAX_EVENT_BYTES);
    const value = encodeBytes(record.value, MAX_EVENT_BYTES);
    const letter: DeadLetter = {
      reason: rejection.reason,
      message: rejection.message,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      key: key.text,
      keyEncoding: key.encoding,
      value: value.text,
      valueEncoding: value.encoding,
      ...(hasHeaders(record.headers) ? { headers: record.headers } : {}),
      rejectedAt: now,
      auditId: auditRecordId(record, null),
      policyVersion: this.options.policy.version,
    };
    out.push({
      topic: this.options.topics.dlq,
      key: key.encoding === 'utf8' ? key.text : null,
      value: JSON.stringify(letter),
    });
    out.push(this.auditOutput(this.undeliveredAudit(record, now, 'rejected', rejection.reason, partial)));
    return { accepted: false, reason: rejection.reason, eventId: partial?.id };
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

/**
 * The original bytes as text when they are valid UTF-8, within `maxText` bytes and no longer as JSON
 * text than as base64 (control characters escape to six bytes each); otherwise base64. A dead letter
 * is so never more than about 4/3 of the record the inbox accepted.
 */
function encodeBytes(
  bytes: Buffer | null,
  maxText: number,
): { text: string | null; encoding: 'utf8' | 'base64' } {
  if (bytes === null) return { text: null, encoding: 'utf8' };
  const base64Length = Math.ceil(bytes.length / 3) * 4;
  if (bytes.length <= maxText && isUtf8(bytes)) {
    const text = bytes.toString('utf8');
    if (Buffer.byteLength(JSON.stringify(text)) <= base64Length + 2) return { text, encoding: 'utf8' };
  }
  return { text: bytes.toString('base64'), encoding: 'base64' };
}

/**
 * Outboxes take records up to 2 MiB (see topic provisioning); an input whose output would not fit is
 * rejected rather than left to stall its partition. UTF-8 needs at most 3 bytes per UTF-16 unit, so
 * only long values are measured.
 */
export const MAX_OUTPUT_BYTES = 2 * 1024 * 1024 - 16 * 1024;

function oversizedOutput(out: readonly OutputRecord[], from: number, limit: number): Rejection | undefined {
  for (let i = from; i < out.length; i++) {
    const value = out[i].value;
    if (value.length * 3 <= limit) continue;
    const bytes = Buffer.byteLength(value);
    if (bytes > limit) {
      return {
        reason: 'too-large',
        message: `an outbound record would be ${bytes} bytes, over the ${limit}-byte limit`,
      };
    }
  }
  return undefined;
}

/** What became of one input: accepted (these deliveries, possibly none) or rejected. */
type Outcome =
  | {
      readonly accepted: true;
      readonly deliveries: readonly Delivery[];
      readonly eventId: string;
      /** With `eventId`, remembered to refuse a re-sent copy. */
      readonly source: string;
    }
  | { readonly accepted: false; readonly reason: RejectionReason; readonly eventId: string | undefined };

function hasHeaders(headers: InboundRecord['headers']): headers is Readonly<Record<string, string>> {
  return headers !== undefined && Object.keys(headers).length > 0;
}

function describeInternal(error: unknown): string {
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return `${REJECTION_REASONS.internal}: ${name}: ${message.slice(0, 200)}`;
}
