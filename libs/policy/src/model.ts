import type { EventKind, JsonObject, Party, PartyRole } from '@kyodo/contracts';
import { EVENT_KINDS } from '@kyodo/contracts';

/** The seed's five purposes of shared use, then provision to third parties with consent. */
export const PURPOSES = [
  'consignment-contract',
  'switching-agency',
  'supply-point-confirmation',
  'td-operations',
  'negawatt-trading',
  'third-party-consent',
] as const;
export type Purpose = (typeof PURPOSES)[number];

/** What ties a party to one event. How each is resolved against the registry lives in evaluate.ts. */
export const RELATIONS = [
  'area-tdso',
  'occto',
  'contract-holder',
  'gaining-retailer',
  'contract-retailer',
  'contracted-aggregator',
  'enrolled-aggregator',
  'consented-third-party',
] as const;
export type Relation = (typeof RELATIONS)[number];

export interface RelationHolder {
  readonly role: PartyRole;
  /** Who holds the relation, for `policy explain`. */
  readonly who: string;
}

export interface RelationSpec {
  /** The event kinds whose data can resolve this relation; a policy naming it elsewhere is rejected. */
  readonly kinds: readonly EventKind[];
  readonly holders: readonly RelationHolder[];
}

const BASIC_BY_TDSO = 'supplyPoint.remoteIsland or lastResortSupply is true';

export const RELATION_SPECS: Readonly<Record<Relation, RelationSpec>> = {
  'area-tdso': {
    kinds: EVENT_KINDS,
    holders: [{ role: 'tdso', who: "the tdso of the supply point's area" }],
  },
  occto: { kinds: EVENT_KINDS, holders: [{ role: 'occto', who: 'OCCTO' }] },
  'contract-holder': {
    kinds: ['contract-switch'],
    holders: [
      { role: 'retailer', who: `the losing retailer (fromRetailerId), unless ${BASIC_BY_TDSO}` },
      { role: 'tdso', who: `the tdso of the supply point's area, where ${BASIC_BY_TDSO}` },
    ],
  },
  'gaining-retailer': {
    kinds: ['contract-switch'],
    holders: [{ role: 'retailer', who: 'the gaining retailer (toRetailerId)' }],
  },
  'contract-retailer': {
    kinds: ['meter-reading', 'negawatt'],
    holders: [{ role: 'retailer', who: 'the retailer named by retailerId' }],
  },
  'contracted-aggregator': {
    kinds: ['negawatt'],
    holders: [{ role: 'aggregator', who: 'the aggregator named by contractorId' }],
  },
  'enrolled-aggregator': {
    kinds: ['meter-reading'],
    holders: [
      {
        role: 'aggregator',
        who: 'every aggregator with an enrollment for the supply point covering readingDate',
      },
    ],
  },
  'consented-third-party': {
    kinds: ['meter-reading', 'negawatt'],
    holders: [
      {
        role: 'third-party',
        who: "every third party whose consent covers the supply point, the event's date and category, not revoked before the event's time nor before the gateway processes it (and, where the registry lists agreements, with an agreement in force on the event's date)",
      },
    ],
  },
};

/** The data field holding the date an enrollment or consent window must cover. */
export const EVENT_DATE_FIELD: Readonly<Record<EventKind, string>> = {
  'contract-switch': 'effectiveDate',
  'meter-reading': 'readingDate',
  negawatt: 'date',
};

/** The policy file as written, before compilation. Names are plain strings: compilePolicy checks them. */
export interface PolicyDocument {
  readonly version: string;
  readonly purposes: readonly string[];
  readonly events: Readonly<Record<string, PolicyEventDocument>>;
  /** Kyodo's own subject notices (see notices.ts); checked by compilePolicy. */
  readonly notices?: unknown;
  /** Where it was read from, to name in errors. */
  readonly source?: string;
}

export interface PolicyEventDocument {
  /** Routing identity, kept for every recipient. */
  readonly identity: readonly string[];
  /**
   * Sender relations (see senders.ts) entitled to send this kind; an empty list lets nobody send it.
   * A policy file must name them (loadPolicy refuses one without); a document built in code without
   * them lets nobody send.
   */
  readonly senders?: readonly string[];
  /** In the contract table's row order, which is also the order of purposes on a delivery. */
  readonly relations: readonly PolicyRuleDocument[];
}

export interface PolicyRuleDocument {
  readonly relation: string;
  readonly purpose: string;
  /** Field paths: `a.b`, `a.*` (everything catalogued below a), `list` or `list[].field`. */
  readonly fields: readonly string[];
}

/** One outbound event for one recipient, with the trail the audit records. */
export interface Delivery {
  readonly recipient: Party;
  readonly relations: readonly Relation[];
  readonly purposes: readonly Purpose[];
  /** Built afresh from the allow-list; opaque values (negawatt.*) are the input's own: read only. */
  readonly data: JsonObject;
  /** Sorted leaf paths delivered: `customer.name`, `intervals[].kwh`, `negawatt.baseline`. */
  readonly fieldsDelivered: readonly string[];
  /** Sorted paths present in the input but not delivered; an unknown subtree by its top path only. */
  readonly fieldsWithheld: readonly string[];
  /**
   * What a consented-third-party delivery rested on, beyond the relation: `consent:<id>` of every
   * consent that covered it, then `agreement:<id>` of every agreement in force (sorted within each).
   * Absent for deliveries under other relations only.
   */
  readonly basis?: readonly string[];
}

export interface Decision {
  /** Sorted by recipient id. Empty when nobody is related. */
  readonly deliveries: readonly Delivery[];
}

export interface EvaluateOptions {
  /** The party whose inbox the event came from; it never receives its own event. */
  readonly sender: string;
  /**
   * When the gateway processes the event (RFC 3339; the injected clock's): a consent revoked at or
   * before this instant no longer holds, even for an event whose own `time` is earlier (v1.1).
   */
  readonly now?: string;
  /**
   * False when the gateway cannot be sure its registry copy is current (older than the staleness
   * bound): then nobody holds consented-third-party, as a revocation may be missing. Default true.
   */
  readonly registryCurrent?: boolean;
}

/** A policy document that cannot be loaded or compiled; `problems` names every bad entry. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';

  constructor(
    readonly problems: readonly string[],
    readonly origin = 'policy',
    options?: { cause?: unknown },
  ) {
    super(
      `${origin}:${problems.length === 1 ? ` ${problems[0]}` : `\n  - ${problems.join('\n  - ')}`}`,
      options,
    );
  }
}
