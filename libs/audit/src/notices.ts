import { createHmac, timingSafeEqual } from 'node:crypto';
import { AUDIT_RECORD_NAMESPACE, uuidV5 } from './ids';

/** Namespace of subject notice ids (a random v4 UUID, fixed forever). */
export const SUBJECT_NOTICE_NAMESPACE = 'c41e8b27-5d93-4a6f-b1e0-7f2a9c3d8e15';

/** What one subject notice to one recipient is made of; the same inputs always give the same id. */
export interface SubjectNoticeIdentity {
  readonly kind: string;
  readonly reference: string;
  readonly supplyPointHmac: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly recipientId: string;
  /** The audit ids of the deliveries the notice concerns. */
  readonly deliveries: readonly string[];
}

const NOTICE_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([0-9a-f]{32})$/;

/**
 * The id of a subject notice: `<uuid>.<tag>`. The UUID is name-based on everything the notice says, so
 * re-issuing the same request over the same deliveries repeats it (recipients can de-duplicate); the tag
 * is a keyed MAC (the audit key) of the UUID and the recipient, so the gateway can tell, from the id
 * alone, whether an acknowledgement comes from the party the notice was issued to.
 */
export function subjectNoticeId(key: string, notice: SubjectNoticeIdentity): string {
  const core = uuidV5(
    SUBJECT_NOTICE_NAMESPACE,
    JSON.stringify([
      notice.kind,
      notice.reference,
      notice.supplyPointHmac,
      notice.from,
      notice.to,
      notice.recipientId,
      notice.deliveries,
    ]),
  );
  return `${core}.${noticeTag(key, core, notice.recipientId)}`;
}

/** Whether `noticeId` is a notice id Kyodo issued (under this key) to `partyId`. */
export function isSubjectNoticeFor(key: string, noticeId: string, partyId: string): boolean {
  const match = NOTICE_ID.exec(noticeId);
  if (!match) return false;
  const expected = Buffer.from(noticeTag(key, match[1], partyId), 'hex');
  return timingSafeEqual(expected, Buffer.from(match[2], 'hex'));
}

/** The audit record id of a notice's delivery. */
export function subjectNoticeAuditId(noticeId: string): string {
  return uuidV5(AUDIT_RECORD_NAMESPACE, JSON.stringify(['subject-notice', noticeId]));
}

function noticeTag(key: string, core: string, partyId: string): string {
  return createHmac('sha256', key)
    .update(`kyodo-subject-notice\n${core}\n${partyId}`, 'utf8')
    .digest('hex')
    .slice(0, 32);
}
