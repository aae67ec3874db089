import type {
  Agreement,
  Consent,
  EventKind,
  EventType,
  Party,
  PartyRole,
  RegistrySnapshot,
} from '@kyodo/contracts';
import { AREAS, EVENT_KINDS, EVENT_TYPES, kindOf, PARTY_ROLES } from '@kyodo/contracts';
import type { CompiledPolicy } from './compile';
import type { Purpose, Relation } from './model';
import { PolicyError, RELATION_SPECS } from './model';
import { SENDER_SPECS, type SenderRelation } from './senders';

export interface ExplainedSender {
  readonly relation: SenderRelation;
  /** When a party of this role may send the type. */
  readonly who: string;
}

/** A third party's standing in the registry (never a supply point id: consents are named by id). */
export interface ExplainedThirdParty {
  /** Whether the registry lists agreements, so that a consent alone is not enough. */
  readonly agreementsRequired: boolean;
  readonly agreements: readonly Agreement[];
  readonly consents: readonly Omit<Consent, 'supplyPointId' | 'thirdPartyId'>[];
}

export interface ExplainedRelation {
  readonly relation: Relation;
  readonly purpose: Purpose;
  /** When a party of this role holds the relation. */
  readonly who: string;
  /** Leaf paths it receives under this relation alone, routing identity included. */
  readonly fields: readonly string[];
  /** Catalogued leaf paths it does not receive under this relation alone. */
  readonly withheld: readonly string[];
}

export interface Explanation {
  readonly policyVersion: string;
  readonly kind: EventKind;
  readonly type: EventType;
  readonly role: PartyRole;
  /** Set when a party id was asked about. */
  readonly party: Party | null;
  /** Kept for every recipient. */
  readonly identity: readonly string[];
  /** The relations a party of this role can hold for this type, in the policy's row order. */
  readonly relations: readonly ExplainedRelation[];
  /** The most it can receive: the union over all those relations. */
  readonly fields: readonly string[];
  /** Catalogued leaf paths it never receives for this type. */
  readonly withheld: readonly string[];
  /** (v1.1) When a party of this role may send this type; empty: it may not send it at all. */
  readonly senders: readonly ExplainedSender[];
  /** (v1.1) A suspended party neither sends nor receives. */
  readonly suspended: boolean;
  /** For a registered third party: the consents and agreements its deliveries can rest on. */
  readonly thirdParty?: ExplainedThirdParty;
}

/**
 * What a role, or a registered party, can receive for one event type and why. `type` is an event kind
 * (`meter-reading`) or type (`jp.kyodo.meter-reading.v1`); `who` is a role or a party id.
 */
export function explain(
  policy: CompiledPolicy,
  type: string,
  who: string,
  registry?: RegistrySnapshot,
): Explanation {
  const kind = (EVENT_KINDS as readonly string[]).includes(type) ? (type as EventKind) : kindOf(type);
  if (kind === undefined) {
    throw new PolicyError(
      [`unknown event type "${type}" (known: ${EVENT_KINDS.join(', ')})`],
      'policy explain',
    );
  }
  let party: Party | null = null;
  let role: PartyRole;
  if ((PARTY_ROLES as readonly string[]).includes(who)) {
    role = who as PartyRole;
  } else {
    const found = registry?.party(who);
    if (found === undefined) {
      const why = registry
        ? 'is not in the registry'
        : 'is not a role, and no registry was given to look it up';
      throw new PolicyError([`"${who}" ${why} (roles: ${PARTY_ROLES.join(', ')})`], 'policy explain');
    }
    party = found;
    role = found.role;
  }

  const compiled = policy.kinds[kind];
  const terminals = compiled.catalogue.terminals;
  const relations: ExplainedRelation[] = [];
  let union = new Uint8Array(compiled.catalogue.slots.length);
  for (const rule of compiled.rules) {
    const holder = RELATION_SPECS[rule.relation].holders.find((h) => h.role === role);
    if (holder === undefined) continue;
    union = union.map((v, i) => v | rule.mask[i]);
    relations.push({
      relation: rule.relation,
      purpose: rule.purpose,
      who: holder.who,
      fields: rule.fields,
      withheld: terminals.filter((s) => rule.mask[s.id] === 0).map((s) => s.path),
    });
  }
  const senders = compiled.senders
    .filter((relation) => SENDER_SPECS[relation].role === role)
    .map((relation) => ({ relation, who: SENDER_SPECS[relation].who }));
  const explanation: Explanation = {
    policyVersion: policy.version,
    kind,
    type: EVENT_TYPES[kind],
    role,
    party,
    identity: compiled.identity,
    relations,
    fields: relations.length === 0 ? [] : compiled.catalogue.terminalPaths(union),
    withheld: terminals.filter((s) => union[s.id] === 0).map((s) => s.path),
    senders,
    suspended: party?.suspended === true,
  };
  if (party === null || party.role !== 'third-party' || registry === undefined) return explanation;
  const consents = consentsOf(registry, party.id);
  return {
    ...explanation,
    thirdParty: {
      agreementsRequired: registry.agreementsListed,
      agreements: registry.agreementsFor(party.id),
      consents,
    },
  };
}

function consentsOf(
  registry: RegistrySnapshot,
  thirdPartyId: string,
): Omit<Consent, 'supplyPointId' | 'thirdPartyId'>[] {
  return registry.data.consents
    .filter((c) => c.thirdPartyId === thirdPartyId)
    .map((c) => ({
      id: c.id,
      categories: c.categories,
      from: c.from,
      to: c.to,
      revokedAt: c.revokedAt,
    }));
}

/** The text `kyodo policy explain` prints. */
export function formatExplanation(e: Explanation): string {
  const subject = e.party
    ? `${e.party.id} (${e.role}${e.party.area ? `, area ${e.party.area} ${AREAS[e.party.area]}` : ''})`
    : `any ${e.role}`;
  const list = (paths: readonly string[]): string => (paths.length === 0 ? '(none)' : paths.join(', '));
  const lines = [`${e.type} for ${subject}, policy ${e.policyVersion}`, ''];
  if (e.suspended) {
    lines.push('SUSPENDED: it neither sends nor receives while suspended; what follows applies once lifted.');
    lines.push('');
  }
  if (e.senders.length === 0) {
    lines.push(`May send: no; a ${e.role} sending this type is rejected (sender-not-allowed).`);
  } else {
    lines.push(`May send: only as ${e.senders.map((s) => `${s.who} (${s.relation})`).join(', or as ')}.`);
  }
  lines.push('');
  if (e.relations.length === 0) {
    lines.push(`No ${e.role} holds a relation to this event type: it receives nothing.`);
  }
  for (const r of e.relations) {
    lines.push(`${r.relation}: purpose ${r.purpose}`);
    lines.push(`  who:      ${r.who}`);
    lines.push(`  gets:     ${list(r.fields)}`);
    lines.push(`  withheld: ${list(r.withheld)}`);
    lines.push('');
  }
  if (e.relations.length > 1) {
    lines.push(`Holding several relations, it gets their union: ${list(e.fields)}`);
  }
  if (e.relations.length > 0) {
    lines.push(`Never received in this role: ${list(e.withheld)}`);
    lines.push(`Always kept as routing identity: ${list(e.identity)}`);
  }
  if (e.thirdParty) {
    const t = e.thirdParty;
    lines.push('');
    lines.push(
      t.agreementsRequired
        ? 'The registry lists agreements: a delivery under consent also rests on an agreement in force on the event date.'
        : 'The registry lists no agreements: a delivery under consent rests on the consent alone.',
    );
    lines.push(
      `Agreements: ${t.agreements.length === 0 ? '(none)' : t.agreements.map((a) => `${a.id} (${a.from}..${a.to})`).join(', ')}`,
    );
    lines.push(
      `Consents: ${
        t.consents.length === 0
          ? '(none)'
          : t.consents
              .map(
                (c) =>
                  `${c.id} (${c.categories.join(' ')}, ${c.from}..${c.to}${c.revokedAt ? `, revoked ${c.revokedAt}` : ''})`,
              )
              .join(', ')
      }`,
    );
    lines.push('The disclosure report names the consent and agreement each delivery rested on.');
  }
  lines.push(
    'Any field not in the catalogue is withheld from everyone. A sender never receives its own event.',
  );
  return lines.join('\n') + '\n';
}
