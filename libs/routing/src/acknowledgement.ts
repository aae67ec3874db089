import { parseSubjectNoticeAck, type InboundPartial, type Rejection } from '@kyodo/contracts';
import { auditRecordId, isSubjectNoticeFor, supplyPointHmac, type AuditRecord } from '@kyodo/audit';
import type { InboundRecord } from './router';

export type AcknowledgementResult =
  | { readonly ok: true; readonly audit: AuditRecord }
  | { readonly ok: false; readonly rejection: Rejection; readonly partial?: InboundPartial };

/**
 * A record of a notice type on a party's inbox: a `jp.kyodo.subject-notice-ack.v1` from the notice's
 * own recipient becomes an `acknowledged` audit record (delivered to nobody); anything else is rejected
 * with the reason. The notice id carries a keyed tag naming its recipient, so no lookup is needed.
 */
export function readAcknowledgement(
  record: InboundRecord & { readonly value: Buffer },
  senderId: string,
  options: { readonly hmacKey: string; readonly policyVersion: string; readonly now: string },
): AcknowledgementResult {
  const parsed = parseSubjectNoticeAck({ value: record.value, key: record.key, senderId });
  if (!parsed.ok) return parsed;
  const { data, partial } = parsed;
  if (!isSubjectNoticeFor(options.hmacKey, data.noticeId, senderId)) {
    return {
      ok: false,
      rejection: {
        reason: 'sender-not-allowed',
        message: `data.noticeId names no subject notice issued to ${senderId}: only a notice's recipient may acknowledge it`,
      },
      partial,
    };
  }
  return {
    ok: true,
    audit: {
      id: auditRecordId(record, null),
      time: options.now,
      eventTime: partial.time,
      inboundTopic: record.topic,
      inboundPartition: record.partition,
      inboundOffset: record.offset,
      inboundSource: partial.source,
      inboundId: partial.id,
      type: partial.type,
      supplyPointHmac: supplyPointHmac(options.hmacKey, partial.supplyPointId),
      recipientId: null,
      recipientRole: null,
      relations: [],
      purposes: [],
      fieldsDelivered: [],
      fieldsWithheld: [],
      policyVersion: options.policyVersion,
      outcome: 'acknowledged',
      reason: null,
      outboundId: data.noticeId,
    },
  };
}
