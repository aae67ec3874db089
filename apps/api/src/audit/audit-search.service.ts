import type { AuditOutcome } from '@kyodo/audit';
import type { AuditPage, AuditRepository } from '@kyodo/persistence';
import { resolveWindow } from '../time-bounds';

export interface AuditSearch {
  readonly recipientId?: string;
  readonly type?: string;
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

/** Support search over the audit trail, keyset-paged by (time, id). */
export class AuditSearchService {
  constructor(private readonly audit: AuditRepository) {}

  async search(query: AuditSearch): Promise<AuditPage> {
    const window = resolveWindow(query.from, query.to);
    return this.audit.search({
      recipientId: query.recipientId,
      type: query.type,
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
