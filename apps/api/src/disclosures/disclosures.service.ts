import { basisIds, supplyPointHmac, type AuditRecord } from '@kyodo/audit';
import type { AuditRepository, SubjectNoticeRepository } from '@kyodo/persistence';
import { ApiInputError } from '../errors';
import { resolveWindow } from '../time-bounds';

/** A supply point id: 22 digits, the first two an area 01..10. */
export const SUPPLY_POINT_ID = /^(0[1-9]|10)\d{20}$/;
export const PARTY_ID = /^[A-Z][A-Z0-9]{1,15}$/;

export interface DisclosureQuery {
  readonly supplyPointId: string;
  /** RFC 3339 instant or YYYY-MM-DD (see time-bounds). */
  readonly from?: string;
  readonly to?: string;
  readonly recipientId?: string;
}

/** One delivery of data about the supply point: when, to whom, which fields, for which purposes. */
export interface Disclosure {
  readonly time: string;
  readonly recipientId: string;
  readonly recipientRole: string;
  readonly purposes: readonly string[];
  readonly fieldsDelivered: readonly string[];
  readonly fieldsWithheld: readonly string[];
  readonly policyVersion: string;
  readonly auditId: string;
  readonly eventType: string;
  readonly outboundId: string;
  /** (v1.1) The consents a delivery under consent rested on; empty for other deliveries. */
  readonly consentIds: readonly string[];
  /** (v1.1) The agreements in force it rested on; empty where the registry lists none. */
  readonly agreementIds: readonly string[];
}

export interface DisclosureReport {
  readonly supplyPointId: string;
  /** The window as instants (dates resolved), null when open. */
  readonly from: string | null;
  readonly to: string | null;
  readonly recipientId: string | null;
  /** By time, then audit id. */
  readonly items: Disclosure[];
  /** Subject notices sent about the supply point in the window, each pending or acknowledged. */
  readonly notices: NoticeStatus[];
}

/** One subject notice (a customer's correction or deletion request passed on) and where it stands. */
export interface NoticeStatus {
  readonly noticeId: string;
  readonly reference: string;
  readonly purposes: readonly string[];
  readonly recipientId: string;
  readonly recipientRole: string;
  readonly sentAt: string;
  readonly status: 'pending' | 'acknowledged';
  readonly acknowledgedAt: string | null;
  readonly auditId: string;
}

const PAGE = 10_000;

/** What was disclosed about one supply point, read from the audit trail by its keyed HMAC. */
export class DisclosuresService {
  constructor(
    private readonly audit: AuditRepository,
    private readonly hmacKey: string,
    private readonly notices?: SubjectNoticeRepository,
  ) {}

  async list(query: DisclosureQuery): Promise<DisclosureReport> {
    if (!SUPPLY_POINT_ID.test(query.supplyPointId)) {
      throw new ApiInputError('supplyPointId must be 22 digits starting with an area 01..10');
    }
    if (query.recipientId !== undefined && !PARTY_ID.test(query.recipientId)) {
      throw new ApiInputError(
        'recipientId must be a party id (an upper-case letter, then 1..15 upper-case letters or digits)',
      );
    }
    const window = resolveWindow(query.from, query.to);
    const hmac = supplyPointHmac(this.hmacKey, query.supplyPointId);
    const records: AuditRecord[] = [];
    // The repository caps one read; continue from the last instant read, skipping what was already seen there.
    let from = window.from;
    let seenAtFrom = new Set<string>();
    for (;;) {
      const page = await this.audit.disclosures({
        supplyPointHmac: hmac,
        from,
        to: window.to,
        recipientId: query.recipientId,
        limit: PAGE,
      });
      const fresh = page.filter((r) => !(r.time === from && seenAtFrom.has(r.id)));
      records.push(...fresh);
      if (page.length < PAGE) break;
      if (fresh.length === 0) throw new Error(`more than ${PAGE} deliveries share the instant ${from}`);
      const last = page[page.length - 1].time;
      seenAtFrom = new Set(page.filter((r) => r.time === last).map((r) => r.id));
      from = last;
    }
    const notices = (await this.notices?.noticesAbout(hmac, window.from, window.to)) ?? [];
    return {
      supplyPointId: query.supplyPointId,
      from: window.from ?? null,
      to: window.to ?? null,
      recipientId: query.recipientId ?? null,
      items: records.map(toDisclosure),
      notices: notices
        .filter((n) => query.recipientId === undefined || n.recipientId === query.recipientId)
        .map((n) => ({
          noticeId: n.noticeId,
          reference: n.reference,
          purposes: n.purposes,
          recipientId: n.recipientId,
          recipientRole: n.recipientRole,
          sentAt: n.sentAt,
          status: n.acknowledgedAt === null ? 'pending' : 'acknowledged',
          acknowledgedAt: n.acknowledgedAt,
          auditId: n.auditId,
        })),
    };
  }
}

function toDisclosure(r: AuditRecord): Disclosure {
  const basis = basisIds(r.basis);
  return {
    time: r.time,
    recipientId: r.recipientId ?? '',
    recipientRole: r.recipientRole ?? '',
    purposes: r.purposes,
    fieldsDelivered: r.fieldsDelivered,
    fieldsWithheld: r.fieldsWithheld,
    policyVersion: r.policyVersion,
    auditId: r.id,
    eventType: r.type ?? '',
    outboundId: r.outboundId ?? '',
    consentIds: basis.consents,
    agreementIds: basis.agreements,
  };
}
