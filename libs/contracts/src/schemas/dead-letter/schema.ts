import { Type, type Static } from '@sinclair/typebox';
import { REJECTION_REASONS, type RejectionReason } from '../../rejections';
import { DateTime, StringEnum } from '../common';

const ENCODINGS = ['utf8', 'base64'] as const;

/** The machine-readable reason of a rejection, one of REJECTION_REASONS. */
export const RejectionReasonSchema = StringEnum(Object.keys(REJECTION_REASONS) as RejectionReason[], {
  description: 'Why the record was rejected; stable codes, new ones may be added.',
});

/** What the gateway writes to `kyodo.dlq` for a rejected inbound record (keyed like the original). */
export const DeadLetterSchema = Type.Object(
  {
    reason: RejectionReasonSchema,
    message: Type.String({
      description: 'Names the offending input by path; never quotes a personal value.',
    }),
    topic: Type.String({ description: 'The inbox the record was read from.' }),
    partition: Type.Integer({ minimum: 0 }),
    offset: Type.String({ description: "The record's offset, as a decimal string." }),
    key: Type.Union([Type.String(), Type.Null()], { description: 'The original key.' }),
    keyEncoding: StringEnum(ENCODINGS),
    value: Type.Union([Type.String(), Type.Null()], {
      description:
        'The original bytes: as text when valid UTF-8 within 1 MiB (and no longer as JSON text than as base64), otherwise base64.',
    }),
    valueEncoding: StringEnum(ENCODINGS),
    headers: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description:
          "The original record's headers, when it had any (a binary-mode event's attributes are there).",
      }),
    ),
    rejectedAt: DateTime(),
    auditId: Type.String({ description: 'The id of the audit record of this rejection.' }),
    policyVersion: Type.String(),
  },
  { description: 'A rejected inbound record, with why.' },
);

export type DeadLetterRecord = Static<typeof DeadLetterSchema>;
