import { Type, type Static } from '@sinclair/typebox';

/** A subject notice id as Kyodo issues it: a UUID, a dot and a 32-hex-digit tag naming its recipient. */
export const SUBJECT_NOTICE_ID_PATTERN =
  '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.[0-9a-f]{32}$';

/**
 * `jp.kyodo.subject-notice-ack.v1`: the recipient of a subject notice says it has done what the notice
 * asked. Sent on the recipient's own inbox with the notice's `subject` (record key alike); only the
 * notice's recipient may acknowledge it. Audited, delivered to nobody.
 */
export const SubjectNoticeAckDataSchema = Type.Object(
  {
    noticeId: Type.String({
      pattern: SUBJECT_NOTICE_ID_PATTERN,
      description: 'The `id` of the jp.kyodo.subject-notice.v1 event acknowledged.',
    }),
    done: Type.Literal(true, { description: 'Always true: the correction or deletion was carried out.' }),
  },
  { description: 'The acknowledgement of a subject notice by its recipient.' },
);

export type SubjectNoticeAckData = Static<typeof SubjectNoticeAckDataSchema>;
