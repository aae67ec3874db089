import type { DataSource } from 'typeorm';

export interface RoleAreaCount {
  readonly role: string;
  /** Only tdso parties have an area. */
  readonly area: string | null;
  readonly count: number;
}

export interface AreaCount {
  readonly area: string;
  readonly count: number;
}

/** Counts over the registry by area; no party name and no supply point id leaves these queries. */
export class RegistryCountsRepository {
  constructor(private readonly ds: DataSource) {}

  async partiesByRoleAndArea(): Promise<RoleAreaCount[]> {
    const rows: { role: string; area: string | null; count: number }[] = await this.ds.query(
      `SELECT role, area, count(*)::int AS count FROM party GROUP BY role, area ORDER BY role, area NULLS FIRST`,
    );
    return rows;
  }

  /** Enrollments covering `today` (YYYY-MM-DD), by the area of their supply point. */
  async enrollmentsInForceByArea(today: string): Promise<AreaCount[]> {
    return this.ds.query(
      `SELECT substr(supply_point_id, 1, 2) AS area, count(*)::int AS count FROM enrollment
        WHERE $1::date BETWEEN from_date AND to_date GROUP BY 1 ORDER BY 1`,
      [today],
    );
  }

  /** Consents covering `today` and not revoked by `now`, by the area of their supply point. */
  async consentsInForceByArea(today: string, now: Date): Promise<AreaCount[]> {
    return this.ds.query(
      `SELECT substr(supply_point_id, 1, 2) AS area, count(*)::int AS count FROM consent
        WHERE $1::date BETWEEN from_date AND to_date AND (revoked_at IS NULL OR revoked_at > $2::timestamptz)
        GROUP BY 1 ORDER BY 1`,
      [today, now.toISOString()],
    );
  }
}
