import type {
  EventKind,
  InboundEvent,
  JsonObject,
  Party,
  PartyRole,
  RegistrySnapshot,
} from '@kyodo/contracts';
import { isAreaCode } from '@kyodo/contracts';
import type { CompiledPolicy } from './compile';
import type { Decision, Delivery, EvaluateOptions, Relation } from './model';
import { EVENT_DATE_FIELD } from './model';

/**
 * Decides who receives an event and builds each recipient's data. Relations are resolved against the
 * registry in the policy's row order; a party holding several gets one delivery with the union of
 * their fields. The sender never receives its own event.
 */
export function evaluate(
  policy: CompiledPolicy,
  event: InboundEvent,
  kind: EventKind,
  registry: RegistrySnapshot,
  opts: EvaluateOptions,
): Decision {
  const compiled = policy.kinds[kind];
  const found = resolution.start(event, kind, registry, opts);
  const rules = compiled.rules;
  for (let i = 0; i < rules.length; i++) RESOLVERS[rules[i].relation](found, 1 << i);
  const deliveries: Delivery[] = new Array<Delivery>(found.size);
  for (let i = 0; i < deliveries.length; i++) {
    const party = found.parties[i];
    const basis = found.basis.size === 0 ? undefined : found.basis.get(party.id);
    deliveries[i] = compiled.redactor.deliver(
      party,
      compiled.views[found.bits[i]],
      event.data,
      basis === undefined ? undefined : basisList(basis),
    );
  }
  return { deliveries };
}

/**
 * The parties related to one event, kept sorted by id, with a bitmask of their relations (bit i is
 * rule i). One instance is reused: evaluate is synchronous.
 */
class Resolution {
  /** Entries past `size` are left over from earlier events and ignored. */
  readonly parties: Party[] = [];
  readonly bits: number[] = [];
  size = 0;
  event!: InboundEvent;
  data!: JsonObject;
  registry!: RegistrySnapshot;
  sender = '';
  /** The date enrollment and consent windows must cover. */
  date: unknown;
  /** A consent's category is named like the event kind it covers. */
  category: string = '';
  /** When the gateway processes the event (RFC 3339), if given; parsed only when a revocation is checked. */
  now: string | undefined;
  registryCurrent = true;
  /** Consent and agreement ids a consented third party's delivery rests on, by party id. */
  readonly basis = new Map<string, { consents: string[]; agreements: string[] }>();

  start(event: InboundEvent, kind: EventKind, registry: RegistrySnapshot, opts: EvaluateOptions): this {
    this.size = 0;
    this.event = event;
    this.data = event.data;
    this.registry = registry;
    this.sender = opts.sender;
    this.now = opts.now;
    this.registryCurrent = opts.registryCurrent ?? true;
    this.date = event.data[EVENT_DATE_FIELD[kind]];
    this.category = kind;
    if (this.basis.size > 0) this.basis.clear();
    return this;
  }

  /** Adds a related party; a suspended party, or the sender, receives nothing. */
  add(party: Party | undefined, role: PartyRole, bit: number): boolean {
    if (party === undefined || party.role !== role || party.id === this.sender || party.suspended === true) {
      return false;
    }
    const id = party.id;
    let i = 0;
    while (i < this.size && this.parties[i].id < id) i++;
    if (i < this.size && this.parties[i].id === id) {
      this.bits[i] |= bit;
      return true;
    }
    for (let j = this.size; j > i; j--) {
      this.parties[j] = this.parties[j - 1];
      this.bits[j] = this.bits[j - 1];
    }
    this.parties[i] = party;
    this.bits[i] = bit;
    this.size++;
    return true;
  }

  /** The party a data field names, if any. */
  named(field: string): Party | undefined {
    const id = this.data[field];
    return typeof id === 'string' ? this.registry.party(id) : undefined;
  }

  areaTdso(): Party | undefined {
    const area = this.event.subject.slice(0, 2);
    return isAreaCode(area) ? this.registry.tdsoFor(area) : undefined;
  }

  /** Where the seed makes the area tdso manage basic information instead of the retailer. */
  basicInformationByTdso(): boolean {
    const supplyPoint = this.data.supplyPoint;
    return (
      this.data.lastResortSupply === true ||
      (typeof supplyPoint === 'object' &&
        supplyPoint !== null &&
        (supplyPoint as JsonObject).remoteIsland === true)
    );
  }
}

const resolution = new Resolution();

function within(date: unknown, from: string, to: string): boolean {
  return typeof date === 'string' && from <= date && date <= to;
}

function basisList(basis: { consents: string[]; agreements: string[] }): string[] {
  // The usual case: one consent, no agreements register.
  if (basis.consents.length === 1 && basis.agreements.length === 0) return [`consent:${basis.consents[0]}`];
  const consents = [...new Set(basis.consents)].sort().map((id) => `consent:${id}`);
  const agreements = [...new Set(basis.agreements)].sort().map((id) => `agreement:${id}`);
  return [...consents, ...agreements];
}

/**
 * Whether a consent revoked at `revokedAt` still held for an event of `time` processed at `now`: the
 * revocation must come after both (v1.1). Instants, not strings, since offsets differ; an unreadable
 * instant counts as revoked.
 */
function notRevoked(revokedAt: string, time: string, now: string | undefined): boolean {
  const revoked = Date.parse(revokedAt);
  if (!(revoked > Date.parse(time))) return false;
  return now === undefined || revoked > Date.parse(now);
}

const RESOLVERS: Readonly<Record<Relation, (r: Resolution, bit: number) => void>> = {
  'area-tdso': (r, bit) => r.add(r.areaTdso(), 'tdso', bit),
  occto: (r, bit) => r.add(r.registry.occto, 'occto', bit),
  'contract-holder': (r, bit) => {
    if (r.basicInformationByTdso()) r.add(r.areaTdso(), 'tdso', bit);
    else r.add(r.named('fromRetailerId'), 'retailer', bit);
  },
  'gaining-retailer': (r, bit) => r.add(r.named('toRetailerId'), 'retailer', bit),
  'contract-retailer': (r, bit) => r.add(r.named('retailerId'), 'retailer', bit),
  'contracted-aggregator': (r, bit) => r.add(r.named('contractorId'), 'aggregator', bit),
  'enrolled-aggregator': (r, bit) => {
    for (const e of r.registry.enrollmentsFor(r.event.subject)) {
      if (within(r.date, e.from, e.to)) r.add(r.registry.party(e.aggregatorId), 'aggregator', bit);
    }
  },
  'consented-third-party': (r, bit) => {
    // Fail closed: with a registry copy that may miss a revocation, nobody holds this relation.
    if (!r.registryCurrent) return;
    const registry = r.registry;
    for (const c of registry.consentsFor(r.event.subject)) {
      const categories: readonly string[] = c.categories;
      if (!within(r.date, c.from, c.to) || !categories.includes(r.category)) continue;
      if (c.revokedAt !== null && !notRevoked(c.revokedAt, r.event.time, r.now)) continue;
      let agreements: string[] = [];
      if (registry.agreementsListed) {
        agreements = registry
          .agreementsFor(c.thirdPartyId)
          .filter((a) => within(r.date, a.from, a.to))
          .map((a) => a.id);
        if (agreements.length === 0) continue;
      }
      if (!r.add(registry.party(c.thirdPartyId), 'third-party', bit)) continue;
      const basis = r.basis.get(c.thirdPartyId);
      if (basis === undefined) r.basis.set(c.thirdPartyId, { consents: [c.id], agreements });
      else {
        basis.consents.push(c.id);
        basis.agreements.push(...agreements);
      }
    }
  },
};
