import type { PartyRole, RejectionReason } from '@kyodo/contracts';

/**
 * `no-recipient`: a valid event that no party is related to; recorded so every input has a trace.
 * `acknowledged`: a party acknowledged a subject notice (delivered to nobody; `outboundId` names the
 * notice acknowledged).
 * `acted-for`: (v1.1) a party used the HTTP mailbox or inbox of another under a delegation (see
 * `delegatedActionRecord`).
 */
export type AuditOutcome = 'delivered' | 'rejected' | 'no-recipient' | 'acknowledged' | 'acted-for';

/**
 * One decision of the gateway: a delivery to one recipient, or the rejection of one inbound record.
 * Written to `kyodo.audit` in the same Kafka transaction as the output it describes, then to
 * PostgreSQL by the audit writer, which adds the hash chain. Holds field paths, never field values;
 * the supply point appears only as a keyed HMAC.
 */
export interface AuditRecord {
  /** Deterministic from the inbound record's coordinates and the recipient, so a retried batch repeats it. */
  readonly id: string;
  /** When the gateway decided (RFC 3339). */
  readonly time: string;
  /** The inbound event's own `time`, when it had a valid one. */
  readonly eventTime: string | null;
  readonly inboundTopic: string;
  readonly inboundPartition: number;
  readonly inboundOffset: string;
  /** The inbound `source` and `id`, when the record was a readable CloudEvent. */
  readonly inboundSource: string | null;
  readonly inboundId: string | null;
  readonly type: string | null;
  /** HMAC-SHA256 (hex) of the supply point id under the audit key; null when no valid id was present. */
  readonly supplyPointHmac: string | null;
  readonly recipientId: string | null;
  readonly recipientRole: PartyRole | null;
  readonly relations: readonly string[];
  readonly purposes: readonly string[];
  readonly fieldsDelivered: readonly string[];
  readonly fieldsWithheld: readonly string[];
  readonly policyVersion: string;
  readonly outcome: AuditOutcome;
  readonly reason: RejectionReason | null;
  /**
   * The outbound CloudEvent id for a delivery (the `id` on `kyodo.out.<recipient>`); for an
   * acknowledgement, the id of the subject notice acknowledged.
   */
  readonly outboundId: string | null;
  /**
   * (v1.1, optional) What a consented-third-party delivery rested on: `consent:<id>` of each consent
   * that covered it, then `agreement:<id>` of each agreement in force. Absent on every other record
   * (and on every record written before it existed, whose hashes it therefore does not change).
   */
  readonly basis?: readonly string[];
}

/** The consent and agreement ids in a record's `basis`. */
export function basisIds(basis: readonly string[] | undefined): { consents: string[]; agreements: string[] } {
  const consents: string[] = [];
  const agreements: string[] = [];
  for (const entry of basis ?? []) {
    if (entry.startsWith('consent:')) consents.push(entry.slice('consent:'.length));
    else if (entry.startsWith('agreement:')) agreements.push(entry.slice('agreement:'.length));
  }
  return { consents, agreements };
}
