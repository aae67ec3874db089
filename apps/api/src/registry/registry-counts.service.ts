import { PARTY_ROLES, type PartyRole } from '@kyodo/contracts';
import type { AreaCount, RegistryCountsRepository, RoleAreaCount } from './registry-counts.repository';
import type { RegistryCounts, RegistrySummaryRepository } from './registry-summary.repository';
import { japanDate } from './registry-summary.service';

export interface RegistryCountsReport extends RegistryCounts {
  readonly asOf: string;
  /** The day in Japan "in force" is judged on. */
  readonly today: string;
  readonly parties: {
    readonly total: number;
    readonly byRole: Record<PartyRole, number>;
    /** tdso parties by area; other roles have no area (null). */
    readonly byRoleAndArea: RoleAreaCount[];
  };
  readonly enrollmentsInForceByArea: AreaCount[];
  readonly consentsInForceByArea: AreaCount[];
}

/** The registry in numbers only: no party names, no supply points. Details stay with registry-admin keys. */
export class RegistryCountsService {
  constructor(
    private readonly summary: RegistrySummaryRepository,
    private readonly counts: RegistryCountsRepository,
    private readonly clock: () => Date,
  ) {}

  async report(): Promise<RegistryCountsReport> {
    const now = this.clock();
    const today = japanDate(now);
    const [totals, byRoleAndArea, enrollments, consents] = await Promise.all([
      this.summary.counts(today, now),
      this.counts.partiesByRoleAndArea(),
      this.counts.enrollmentsInForceByArea(today),
      this.counts.consentsInForceByArea(today, now),
    ]);
    const byRole = Object.fromEntries(PARTY_ROLES.map((role) => [role, 0])) as Record<PartyRole, number>;
    for (const row of byRoleAndArea) {
      if ((PARTY_ROLES as readonly string[]).includes(row.role)) byRole[row.role as PartyRole] += row.count;
    }
    return {
      asOf: now.toISOString(),
      today,
      ...totals,
      parties: {
        total: byRoleAndArea.reduce((sum, r) => sum + r.count, 0),
        byRole,
        byRoleAndArea,
      },
      enrollmentsInForceByArea: enrollments,
      consentsInForceByArea: consents,
    };
  }
}
