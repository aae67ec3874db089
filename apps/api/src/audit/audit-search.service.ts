import { sealedText, type AuditOutcome } from '@kyodo/audit';
import type { AuditPage, AuditRepository } from '@kyodo/persistence';
import { resolveWindow } from '../time-bounds';

export interface AuditSearch {
  readonly recipientId?: string;
  readonly type?: string;
  /** The inbound event's id or source as sent; a rejected record holds them sealed (keyed HMAC). */
  readonly inboundId?: string;
  readonly inboundSource?: string;
  readonly outcome?: AuditOutcome;
  /** RFC 3339 instant or YYYY-MM-DD (see time-bounds). */
  readonly from?: string;
  readonly to?: string;
  /** `nextCursor` of the previous page. */
  readonly after?: string;
  /** 1..1000, default 100. */
  readonly limit?: number;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/**
 * Support search over the audit trail, keyset-paged by (time, id). A rejected record's id, source and
 * unknown type are stored only as `hmac-sha256:<hex>` under the audit key; a search by one of them
 * matches the value as sent and its sealed form, so a lookup by value finds both kinds of record.
 */
export class AuditSearchService {
  constructor(
    private readonly audit: AuditRepository,
    private readonly hmacKey?: string,
  ) {}

  private either(value: string | undefined): string | readonly string[] | undefined {
    if (value === undefined || this.hmacKey === undefined) return value;
    return [value, sealedText(this.hmacKey, value)];
  }

  async search(query: AuditSearch): Promise<AuditPage> {
    const window = resolveWindow(query.from, query.to);
    return this.audit.search({
      recipientId: query.recipientId,
      type: this.either(query.type),
      inboundId: this.either(query.inboundId),
      inboundSource: this.either(query.inboundSource),
      outcome: query.outcome,
      from: window.from,
      to: window.to,
      after: query.after,
      limit: Math.min(query.limit ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    });
  }
}

/** Whether `cursor` is shaped like a `nextCursor` (base64url JSON of [time, id]). */
export function isAuditCursor(cursor: unknown): boolean {
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]+={0,2}$/.test(cursor)) return false;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string');
  } catch {
    return false;
  }
}
