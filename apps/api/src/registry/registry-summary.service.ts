import { PARTY_ROLES, type PartyRole } from '@kyodo/contracts';
import { DATE_ZONE } from '../time-bounds';
import type { PartyRow, RegistryCounts, RegistrySummaryRepository } from './registry-summary.repository';

export interface RegistrySummary extends RegistryCounts {
  /** The instant the summary was taken, and that day in Japan (what "in force" is judged on). */
  readonly asOf: string;
  readonly today: string;
  readonly parties: {
    readonly total: number;
    readonly byRole: Record<PartyRole, number>;
    readonly items: PartyRow[];
  };
}

/** What is registered: the parties, and how many enrollments and consents exist and are in force. */
export class RegistrySummaryService {
  constructor(
    private readonly repository: RegistrySummaryRepository,
    private readonly clock: () => Date,
  ) {}

  async summary(): Promise<RegistrySummary> {
    const now = this.clock();
    const today = japanDate(now);
    const [parties, counts] = await Promise.all([
      this.repository.parties(),
      this.repository.counts(today, now),
    ]);
    const byRole = Object.fromEntries(PARTY_ROLES.map((role) => [role, 0])) as Record<PartyRole, number>;
    for (const party of parties) byRole[party.role] += 1;
    return {
      asOf: now.toISOString(),
      today,
      version: counts.version,
      parties: { total: parties.length, byRole, items: parties },
      enrollments: counts.enrollments,
      consents: counts.consents,
    };
  }

  async parties(): Promise<PartyRow[]> {
    return this.repository.parties();
  }
}

export function japanDate(instant: Date): string {
  const [sign, hours, minutes] = [DATE_ZONE[0], Number(DATE_ZONE.slice(1, 3)), Number(DATE_ZONE.slice(4, 6))];
  const offsetMs = (sign === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
  return new Date(instant.getTime() + offsetMs).toISOString().slice(0, 10);
}
