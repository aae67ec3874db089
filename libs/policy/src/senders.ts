import type {
  EventKind,
  InboundEvent,
  Party,
  PartyRole,
  RegistrySnapshot,
  Rejection,
} from '@kyodo/contracts';
import { EVENT_KINDS, isAreaCode } from '@kyodo/contracts';
import type { CompiledPolicy } from './compile';

/**
 * What entitles a party to send one event (contract v1.1, `sender-not-allowed`). The policy names, per
 * event kind, which of these may send it; how each is checked against the event and the registry is
 * below. Anyone else is refused, whatever the event says.
 */
export const SENDER_RELATIONS = [
  'from-retailer',
  'to-retailer',
  'contract-retailer',
  'contracted-aggregator',
  'area-tdso',
  'occto',
] as const;
export type SenderRelation = (typeof SENDER_RELATIONS)[number];

export interface SenderSpec {
  /** The event kinds whose data can name such a sender; a policy naming it elsewhere is rejected. */
  readonly kinds: readonly EventKind[];
  readonly role: PartyRole;
  /** Who it is, for `policy explain` and rejection messages. */
  readonly who: string;
  /** The data field naming the sender, when the relation is by name. */
  readonly field?: string;
}

export const SENDER_SPECS: Readonly<Record<SenderRelation, SenderSpec>> = {
  'from-retailer': {
    kinds: ['contract-switch'],
    role: 'retailer',
    who: 'the losing retailer named by fromRetailerId',
    field: 'fromRetailerId',
  },
  'to-retailer': {
    kinds: ['contract-switch'],
    role: 'retailer',
    who: 'the gaining retailer named by toRetailerId',
    field: 'toRetailerId',
  },
  'contract-retailer': {
    kinds: ['meter-reading', 'negawatt'],
    role: 'retailer',
    who: 'the retailer named by retailerId',
    field: 'retailerId',
  },
  'contracted-aggregator': {
    kinds: ['negawatt'],
    role: 'aggregator',
    who: 'the aggregator named by contractorId',
    field: 'contractorId',
  },
  'area-tdso': { kinds: EVENT_KINDS, role: 'tdso', who: "the tdso of the supply point's area" },
  occto: { kinds: EVENT_KINDS, role: 'occto', who: 'OCCTO' },
};

export function isSenderRelation(value: string): value is SenderRelation {
  return (SENDER_RELATIONS as readonly string[]).includes(value);
}

/** Whether `party` holds `relation` as the sender of `event`. */
function holds(relation: SenderRelation, party: Party, event: InboundEvent): boolean {
  const spec = SENDER_SPECS[relation];
  if (party.role !== spec.role) return false;
  if (spec.field !== undefined) return event.data[spec.field] === party.id;
  if (relation === 'area-tdso') {
    const area = event.subject.slice(0, 2);
    return isAreaCode(area) && party.area === area;
  }
  return true; // occto: the role is the relation
}

/**
 * The sender relations `sender` holds for `event` under the policy: empty when it may not send it.
 * `sender` is the party id the inbox topic proves.
 */
export function senderRelations(
  policy: CompiledPolicy,
  event: InboundEvent,
  kind: EventKind,
  registry: RegistrySnapshot,
  sender: string,
): SenderRelation[] {
  const party = registry.party(sender);
  if (party === undefined || party.suspended === true) return [];
  return policy.kinds[kind].senders.filter((relation) => holds(relation, party, event));
}

/**
 * Contract v1.1: a party may send only what its role originates for this supply point, and nothing
 * while suspended. Returns the `sender-not-allowed` rejection, or undefined when the sender may send
 * the event. The message names the sender and the relations that would allow it, never a value of
 * the event.
 */
export function authorizeSender(
  policy: CompiledPolicy,
  event: InboundEvent,
  kind: EventKind,
  registry: RegistrySnapshot,
  sender: string,
): Rejection | undefined {
  const party = registry.party(sender);
  if (party === undefined) {
    return { reason: 'sender-not-allowed', message: `the sender ${sender} is not a registered party` };
  }
  if (party.suspended === true) {
    return {
      reason: 'sender-not-allowed',
      message: `the sender ${sender} is suspended: it may send nothing while suspended`,
    };
  }
  const allowed = policy.kinds[kind].senders;
  if (allowed.some((relation) => holds(relation, party, event))) return undefined;
  const who = allowed.map((relation) => SENDER_SPECS[relation].who);
  return {
    reason: 'sender-not-allowed',
    message:
      `the sender ${sender} (${party.role}${party.area ? `, area ${party.area}` : ''}) may not send ${kind} ` +
      `for this supply point: only ${who.length === 0 ? 'nobody' : who.join(', or ')} may`,
  };
}
