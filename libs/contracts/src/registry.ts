/** Parties, aggregator enrollments and third-party consents: the registry the policy decides against. */

export const PARTY_ROLES = ['retailer', 'tdso', 'occto', 'aggregator', 'third-party'] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];

export const PARTY_ID_PATTERN = /^[A-Z][A-Z0-9]{1,15}$/;

export const AREAS = {
  '01': 'Hokkaido',
  '02': 'Tohoku',
  '03': 'Tokyo',
  '04': 'Chubu',
  '05': 'Hokuriku',
  '06': 'Kansai',
  '07': 'Chugoku',
  '08': 'Shikoku',
  '09': 'Kyushu',
  '10': 'Okinawa',
} as const;
export type AreaCode = keyof typeof AREAS;
export const AREA_CODES = Object.keys(AREAS) as AreaCode[];
export function isAreaCode(value: unknown): value is AreaCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(AREAS, value);
}

export interface Party {
  readonly id: string;
  readonly role: PartyRole;
  readonly name: string;
  /** Only for role `tdso`. */
  readonly area?: AreaCode;
  /** (v1.1) While true the party neither sends nor receives: its events are rejected, nothing is delivered to it. */
  readonly suspended?: boolean;
}

/** An aggregator's negawatt contract for a supply point; dates are inclusive `YYYY-MM-DD`. */
export interface Enrollment {
  readonly aggregatorId: string;
  readonly supplyPointId: string;
  readonly from: string;
  readonly to: string;
}

export const CONSENT_CATEGORIES = ['meter-reading', 'negawatt'] as const;
export type ConsentCategory = (typeof CONSENT_CATEGORIES)[number];

/** A customer's consent to provision to a third party; dates are inclusive `YYYY-MM-DD`. */
export interface Consent {
  readonly id: string;
  readonly thirdPartyId: string;
  readonly supplyPointId: string;
  readonly categories: readonly ConsentCategory[];
  readonly from: string;
  readonly to: string;
  /** RFC 3339 instant, or null while in force. */
  readonly revokedAt: string | null;
}

/** (v1.1) A third party's agreement on the protection of personal data; dates are inclusive `YYYY-MM-DD`. */
export interface Agreement {
  readonly id: string;
  readonly thirdPartyId: string;
  readonly from: string;
  readonly to: string;
}

/**
 * (v1.1) Party `agentId` may use the HTTP mailbox and inbox of party `forId` (its principal) from `from`
 * to `to`, inclusive `YYYY-MM-DD` days in Japan, unless revoked (`revokedAt`, an RFC 3339 instant).
 */
export interface Delegation {
  readonly agentId: string;
  readonly forId: string;
  readonly from: string;
  readonly to: string;
  readonly revokedAt: string | null;
}

export interface RegistryData {
  readonly parties: readonly Party[];
  readonly enrollments: readonly Enrollment[];
  readonly consents: readonly Consent[];
  /**
   * (v1.1) Present when the registry lists agreements (even an empty list): then a consented third
   * party also needs an agreement in force on the event's date. Absent: v1 behaviour, consent alone.
   */
  readonly agreements?: readonly Agreement[];
  /** (v1.1) Who may act for whom on the HTTP mailbox; the gateway's decisions do not depend on it. */
  readonly delegations?: readonly Delegation[];
}

/** The enrollments and consents of supply points, looked up elsewhere than in `RegistryData`. */
export interface SupplyPointRows {
  enrollmentsFor(supplyPointId: string): readonly Enrollment[];
  consentsFor(supplyPointId: string): readonly Consent[];
}

/** An immutable, indexed view of the registry, built once per refresh and shared by every evaluation. */
export class RegistrySnapshot {
  readonly parties: ReadonlyMap<string, Party>;
  readonly occto: Party | undefined;
  private readonly tdsoByArea = new Map<AreaCode, Party>();
  private readonly enrollmentsBySupplyPoint = new Map<string, Enrollment[]>();
  private readonly consentsBySupplyPoint = new Map<string, Consent[]>();
  private readonly agreementsByThirdParty = new Map<string, Agreement[]>();
  /** Whether the registry lists agreements, so that consented third parties need one in force. */
  readonly agreementsListed: boolean;
  /** Set on a view made by `withSupplyPoints`: where enrollments and consents are found instead. */
  private supplyPoints: SupplyPointRows | undefined;

  constructor(readonly data: RegistryData) {
    const parties = new Map<string, Party>();
    let occto: Party | undefined;
    for (const party of data.parties) {
      parties.set(party.id, party);
      if (party.role === 'occto') occto = party;
      if (party.role === 'tdso' && party.area !== undefined) this.tdsoByArea.set(party.area, party);
    }
    this.parties = parties;
    this.occto = occto;
    for (const e of data.enrollments) push(this.enrollmentsBySupplyPoint, e.supplyPointId, e);
    for (const c of data.consents) push(this.consentsBySupplyPoint, c.supplyPointId, c);
    this.agreementsListed = data.agreements !== undefined;
    for (const a of data.agreements ?? []) push(this.agreementsByThirdParty, a.thirdPartyId, a);
  }

  static empty(): RegistrySnapshot {
    return new RegistrySnapshot({ parties: [], enrollments: [], consents: [] });
  }

  party(id: string): Party | undefined {
    return this.parties.get(id);
  }

  tdsoFor(area: AreaCode): Party | undefined {
    return this.tdsoByArea.get(area);
  }

  /**
   * A view with this snapshot's parties and agreements (shared, not copied) whose enrollments and
   * consents come from `rows`: a registry too large to hold whole is looked up per batch, for the
   * batch's supply points only. `data` still holds only what this snapshot was built from.
   */
  withSupplyPoints(rows: SupplyPointRows): RegistrySnapshot {
    const view = Object.create(this) as RegistrySnapshot;
    view.supplyPoints = rows;
    return view;
  }

  enrollmentsFor(supplyPointId: string): readonly Enrollment[] {
    if (this.supplyPoints !== undefined) return this.supplyPoints.enrollmentsFor(supplyPointId);
    return this.enrollmentsBySupplyPoint.get(supplyPointId) ?? [];
  }

  consentsFor(supplyPointId: string): readonly Consent[] {
    if (this.supplyPoints !== undefined) return this.supplyPoints.consentsFor(supplyPointId);
    return this.consentsBySupplyPoint.get(supplyPointId) ?? [];
  }

  agreementsFor(thirdPartyId: string): readonly Agreement[] {
    return this.agreementsByThirdParty.get(thirdPartyId) ?? [];
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
