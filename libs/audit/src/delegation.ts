import type { PartyRole } from '@kyodo/contracts';
import { AUDIT_RECORD_NAMESPACE, uuidV5 } from './ids';
import type { AuditRecord } from './record';

/** What a party did with its principal's HTTP mailbox or inbox. */
export type DelegatedAction = 'mailbox-read' | 'mailbox-acknowledge' | 'inbox-post';

export interface DelegatedActionInput {
  /** The party that acted (its API key's party). */
  readonly agentId: string;
  /** The party it acted for. */
  readonly principalId: string;
  readonly principalRole: PartyRole;
  readonly action: DelegatedAction;
  /** The principal's outbox (mailbox actions) or inbox (inbox-post). */
  readonly topic: string;
  /** The bundle read or acknowledged; for inbox-post, the event posted. */
  readonly bundleId?: string;
  readonly event?: {
    readonly source: string;
    readonly id: string;
    readonly type: string;
    readonly time: string | null;
    /** HMAC of the event's supply point, when it names a valid one. */
    readonly supplyPointHmac: string | null;
  };
  readonly policyVersion: string;
  /** RFC 3339. */
  readonly now: string;
}

/**
 * The audit record of one action a party took for another under a delegation: outcome `acted-for`,
 * `inboundSource` the agent (`urn:kyodo:party:<agent>`), `recipientId` the principal, `relations` the
 * action, `outboundId` the bundle; for a posted event, its id, type, time and supply point HMAC. It
 * has no Kafka position of its own: partition 0, offset 0. Field paths and values are never recorded.
 */
export function delegatedActionRecord(input: DelegatedActionInput): AuditRecord {
  const subject = input.event ? `${input.event.source} ${input.event.id}` : (input.bundleId ?? '');
  return {
    id: uuidV5(
      AUDIT_RECORD_NAMESPACE,
      JSON.stringify(['acted-for', input.agentId, input.principalId, input.action, subject, input.now]),
    ),
    time: input.now,
    eventTime: input.event?.time ?? null,
    inboundTopic: input.topic,
    inboundPartition: 0,
    inboundOffset: '0',
    inboundSource: `urn:kyodo:party:${input.agentId}`,
    inboundId: input.event?.id ?? input.bundleId ?? null,
    type: input.event?.type ?? null,
    supplyPointHmac: input.event?.supplyPointHmac ?? null,
    recipientId: input.principalId,
    recipientRole: input.principalRole,
    relations: [input.action],
    purposes: [],
    fieldsDelivered: [],
    fieldsWithheld: [],
    policyVersion: input.policyVersion,
    outcome: 'acted-for',
    reason: null,
    outboundId: input.bundleId ?? null,
  };
}
