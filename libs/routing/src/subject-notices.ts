import {
  EVENT_TYPES,
  GATEWAY_SOURCE,
  NOTICE_TYPES,
  isSubjectNoticeData,
  type PartyRole,
  type SubjectNoticeData,
  type SubjectNoticeKind,
  type Topics,
} from '@kyodo/contracts';
import { subjectNoticeAuditId, subjectNoticeId, supplyPointHmac, type AuditRecord } from '@kyodo/audit';
import type { CompiledNotices } from '@kyodo/policy';
import type { OutputRecord } from './router';

/** A customer's correction or deletion request, as the privacy officer files it. */
export interface SubjectNoticeRequest {
  readonly kind: SubjectNoticeKind;
  /** The case reference; never personal data (SUBJECT_NOTICE_REFERENCE_PATTERN). */
  readonly reference: string;
  readonly supplyPointId: string;
  /** The period as instants (from inclusive, to exclusive); null when open. */
  readonly from: string | null;
  readonly to: string | null;
  /** Who asked, recorded as the notices' origin: `urn:kyodo:privacy-officer:<api key id>`, `urn:kyodo:cli`. */
  readonly requestedBy: string;
}

export interface SubjectNoticeOptions {
  readonly topics: Topics;
  readonly hmacKey: string;
  readonly policyVersion: string;
  readonly notices: CompiledNotices;
  /** When the notices are issued (RFC 3339). */
  readonly now: string;
  /** Notice ids already in the audit trail: the same notice is not sent twice (see `alreadySent`). */
  readonly alreadySent?: ReadonlySet<string>;
}

/** One notice to one past recipient: what it names, and the ids that tie it to the audit trail. */
export interface IssuedNotice {
  readonly noticeId: string;
  readonly auditId: string;
  readonly recipientId: string;
  readonly recipientRole: PartyRole;
  readonly fields: readonly string[];
  readonly deliveries: readonly string[];
}

/** The notices and the records to publish, all in one Kafka transaction: each outbound event, then its audit record. */
export interface SubjectNoticeBatch {
  readonly notices: readonly IssuedNotice[];
  readonly records: readonly OutputRecord[];
  /** Notices this request would send that were sent before (same request, same deliveries): not repeated. */
  readonly alreadySent: readonly IssuedNotice[];
}

const ROUTED_TYPES: ReadonlySet<string> = new Set(Object.values(EVENT_TYPES));
/** The paths of a notice's own `data`, sorted: what its delivery record lists as delivered. */
const NOTICE_PATHS = ['deliveries', 'fields', 'from', 'kind', 'reference', 'to'];

/**
 * Builds one `jp.kyodo.subject-notice.v1` per party that received fields about the supply point, from
 * the audit trail's deliveries in the period (given here: rows of any type; only deliveries of the
 * three routed types count, so an earlier notice is never itself the subject of one). Each names
 * exactly the field paths that party received and the audit ids of those deliveries. Pure: no I/O.
 * No delivery, no notice: the batch is empty.
 */
export function buildSubjectNotices(
  request: SubjectNoticeRequest,
  trail: readonly AuditRecord[],
  options: SubjectNoticeOptions,
): SubjectNoticeBatch {
  const hmac = supplyPointHmac(options.hmacKey, request.supplyPointId);
  const byRecipient = new Map<string, { role: PartyRole; fields: Set<string>; deliveries: string[] }>();
  for (const row of trail) {
    if (row.outcome !== 'delivered' || row.supplyPointHmac !== hmac || row.type === null) continue;
    if (!ROUTED_TYPES.has(row.type) || row.recipientId === null || row.recipientRole === null) continue;
    if (row.fieldsDelivered.length === 0) continue;
    const entry = byRecipient.get(row.recipientId) ?? {
      role: row.recipientRole,
      fields: new Set<string>(),
      deliveries: [],
    };
    for (const path of row.fieldsDelivered) entry.fields.add(path);
    entry.deliveries.push(row.id);
    byRecipient.set(row.recipientId, entry);
  }

  const notices: IssuedNotice[] = [];
  const alreadySent: IssuedNotice[] = [];
  const records: OutputRecord[] = [];
  const purpose = options.notices.purposes[request.kind];
  for (const recipientId of [...byRecipient.keys()].sort()) {
    const entry = byRecipient.get(recipientId)!;
    const fields = [...entry.fields].sort();
    const data: SubjectNoticeData = {
      kind: request.kind,
      reference: request.reference,
      from: request.from,
      to: request.to,
      fields,
      deliveries: entry.deliveries,
    };
    if (!isSubjectNoticeData(data)) {
      throw new RangeError(`a subject notice to ${recipientId} would not match its schema`);
    }
    const noticeId = subjectNoticeId(options.hmacKey, {
      kind: request.kind,
      reference: request.reference,
      supplyPointHmac: hmac,
      from: request.from,
      to: request.to,
      recipientId,
      deliveries: entry.deliveries,
    });
    const auditId = subjectNoticeAuditId(noticeId);
    const issued: IssuedNotice = {
      noticeId,
      auditId,
      recipientId,
      recipientRole: entry.role,
      fields,
      deliveries: entry.deliveries,
    };
    if (options.alreadySent?.has(noticeId)) {
      alreadySent.push(issued);
      continue;
    }
    const event = {
      specversion: '1.0',
      id: noticeId,
      source: GATEWAY_SOURCE,
      type: NOTICE_TYPES['subject-notice'],
      subject: request.supplyPointId,
      time: options.now,
      datacontenttype: 'application/json',
      data,
      kyodopurpose: purpose,
      kyodopolicy: options.policyVersion,
      kyodoaudit: auditId,
      kyodoorigin: request.requestedBy,
      kyodooriginid: request.reference,
    };
    const audit: AuditRecord = {
      id: auditId,
      time: options.now,
      eventTime: options.now,
      // A notice comes from no inbox: no inbound coordinates.
      inboundTopic: '',
      inboundPartition: 0,
      inboundOffset: '0',
      inboundSource: request.requestedBy,
      inboundId: request.reference,
      type: NOTICE_TYPES['subject-notice'],
      supplyPointHmac: hmac,
      recipientId,
      recipientRole: entry.role,
      relations: [options.notices.relation],
      purposes: [purpose],
      fieldsDelivered: NOTICE_PATHS,
      fieldsWithheld: [],
      policyVersion: options.policyVersion,
      outcome: 'delivered',
      reason: null,
      outboundId: noticeId,
    };
    records.push({
      topic: options.topics.outbox(recipientId),
      key: request.supplyPointId,
      value: JSON.stringify(event),
    });
    records.push({ topic: options.topics.audit, key: hmac, value: JSON.stringify(audit) });
    notices.push(issued);
  }
  return { notices, records, alreadySent };
}
