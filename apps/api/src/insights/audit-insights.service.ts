import { resolveWindow } from '../time-bounds';
import type {
  AuditInsightsRepository,
  MinimisationGroup,
  RejectionCount,
  RejectionSummary,
} from './audit-insights.repository';

export interface InsightWindow {
  /** RFC 3339 instant or YYYY-MM-DD (see time-bounds); either may be left open. */
  readonly from?: string;
  readonly to?: string;
}

export interface RejectionReport {
  readonly from: string | null;
  readonly to: string | null;
  /** Per day in Japan and reason, by day then reason. */
  readonly byDay: RejectionCount[];
  /** Per reason over the window, most frequent first. */
  readonly byReason: { readonly reason: string; readonly count: number }[];
  readonly total: number;
  /** The most recent, newest first (at most LATEST_REJECTIONS). */
  readonly latest: RejectionSummary[];
}

export interface MinimisationRow extends MinimisationGroup {
  /** Field paths delivered and withheld, most frequent first, with how many deliveries each. */
  readonly delivered: { readonly field: string; readonly count: number }[];
  readonly withheld: { readonly field: string; readonly count: number }[];
}

export interface MinimisationReport {
  readonly from: string | null;
  readonly to: string | null;
  /** By recipient role, then purpose. */
  readonly rows: MinimisationRow[];
}

export const LATEST_REJECTIONS = 20;

/** What the audit trail says about rejected input and about data minimisation, in aggregate. */
export class AuditInsightsService {
  constructor(private readonly repository: AuditInsightsRepository) {}

  async rejections(query: InsightWindow): Promise<RejectionReport> {
    const window = resolveWindow(query.from, query.to);
    const [byDay, latest] = await Promise.all([
      this.repository.rejectionsByDay(window),
      this.repository.latestRejections(window, LATEST_REJECTIONS),
    ]);
    const totals = new Map<string, number>();
    for (const row of byDay) totals.set(row.reason, (totals.get(row.reason) ?? 0) + row.count);
    const byReason = [...totals]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
    return {
      from: window.from ?? null,
      to: window.to ?? null,
      byDay,
      byReason,
      total: byReason.reduce((sum, r) => sum + r.count, 0),
      latest,
    };
  }

  async minimisation(query: InsightWindow): Promise<MinimisationReport> {
    const window = resolveWindow(query.from, query.to);
    const [groups, fields] = await Promise.all([
      this.repository.minimisationGroups(window),
      this.repository.minimisationFields(window),
    ]);
    const key = (role: string, purpose: string) => `${role}\u0000${purpose}`;
    const lists = new Map<
      string,
      { delivered: MinimisationRow['delivered']; withheld: MinimisationRow['withheld'] }
    >();
    for (const f of fields) {
      const k = key(f.recipientRole, f.purpose);
      const entry = lists.get(k) ?? { delivered: [], withheld: [] };
      entry[f.kind].push({ field: f.field, count: f.count });
      lists.set(k, entry);
    }
    return {
      from: window.from ?? null,
      to: window.to ?? null,
      rows: groups.map((g) => ({
        ...g,
        delivered: lists.get(key(g.recipientRole, g.purpose))?.delivered ?? [],
        withheld: lists.get(key(g.recipientRole, g.purpose))?.withheld ?? [],
      })),
    };
  }
}
