import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { PARTY_ROLES } from '../../registry';
import { DateTime, StringEnum } from '../common';
import { RejectionReasonSchema } from '../dead-letter/schema';

function Nullable<T extends TSchema>(schema: T, description?: string) {
  return Type.Union([schema, Type.Null()], description === undefined ? {} : { description });
}

function Paths(description: string) {
  return Type.Array(Type.String(), { description });
}

/**
 * One decision of the gateway on `kyodo.audit` (keyed by the supply point's HMAC): a delivery to one
 * recipient, or what became of an input delivered to nobody. Field paths, never values.
 */
export const AuditRecordSchema = Type.Object(
  {
    id: Type.String({ description: 'Deterministic from the inbound coordinates and the recipient.' }),
    time: DateTime({ description: 'When the gateway decided.' }),
    eventTime: Nullable(DateTime(), "The inbound event's own `time`, when valid."),
    inboundTopic: Type.String(),
    inboundPartition: Type.Integer({ minimum: 0 }),
    inboundOffset: Type.String(),
    inboundSource: Nullable(Type.String()),
    inboundId: Nullable(Type.String()),
    type: Nullable(Type.String()),
    supplyPointHmac: Nullable(
      Type.String(),
      'HMAC-SHA256 (hex) of the supply point id under the audit key; never the id itself.',
    ),
    recipientId: Nullable(Type.String()),
    recipientRole: Nullable(StringEnum(PARTY_ROLES)),
    relations: Paths('The relations that tie the recipient to the event.'),
    purposes: Paths('The purposes of the delivery.'),
    fieldsDelivered: Paths('Field paths delivered.'),
    fieldsWithheld: Paths('Field paths withheld (unknown keys as `<parent>.(unknown)`).'),
    policyVersion: Type.String(),
    outcome: StringEnum(['delivered', 'rejected', 'no-recipient', 'acknowledged', 'acted-for'] as const, {
      description:
        '`acknowledged`: a subject notice acknowledged by its recipient; `acted-for`: a party used the ' +
        'HTTP mailbox or inbox of another under a delegation.',
    }),
    reason: Nullable(RejectionReasonSchema),
    outboundId: Nullable(Type.String(), 'The outbound CloudEvent id of a delivery.'),
  },
  { description: 'One decision of the gateway: a delivery, a rejection, or an input for no recipient.' },
);

export type AuditRecordMessage = Static<typeof AuditRecordSchema>;
