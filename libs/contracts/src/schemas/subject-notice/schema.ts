import { Type, type Static } from '@sinclair/typebox';
import { DateTime, NonEmptyString, StringEnum } from '../common';

export const SUBJECT_NOTICE_KINDS = ['correction', 'deletion'] as const;
export type SubjectNoticeKind = (typeof SUBJECT_NOTICE_KINDS)[number];

/**
 * A case reference of the privacy officer (`REQ-2026-0042`): it travels to every recipient and into the
 * audit trail, so it must not hold personal data; letters, digits and `._:/-` only.
 */
export const SUBJECT_NOTICE_REFERENCE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$';

/**
 * `jp.kyodo.subject-notice.v1`: Kyodo tells one past recipient that the customer behind the supply point
 * (the event's `subject`) asked for a correction or deletion of their data. Sent only by Kyodo
 * (`source` `urn:kyodo:gateway`) on `kyodo.out.<recipient>`; a party sending it is rejected.
 */
export const SubjectNoticeDataSchema = Type.Object(
  {
    kind: StringEnum(SUBJECT_NOTICE_KINDS, { description: 'What the customer asked for.' }),
    reference: Type.String({
      pattern: SUBJECT_NOTICE_REFERENCE_PATTERN,
      description: "The privacy officer's case reference; never personal data.",
    }),
    from: Type.Union([DateTime(), Type.Null()], {
      description: 'Start of the period the request covers (inclusive); null when open.',
    }),
    to: Type.Union([DateTime(), Type.Null()], {
      description: 'End of the period the request covers (exclusive); null when open.',
    }),
    fields: Type.Array(NonEmptyString(), {
      minItems: 1,
      description: 'The field paths this recipient received about the supply point in the period, sorted.',
    }),
    deliveries: Type.Array(NonEmptyString(), {
      minItems: 1,
      description: 'The `kyodoaudit` ids of the deliveries concerned, in the order they were made.',
    }),
  },
  {
    description:
      "A customer's correction or deletion request, passed on to a party that received their data.",
  },
);

export type SubjectNoticeData = Static<typeof SubjectNoticeDataSchema>;
