import type { DataSource } from 'typeorm';
import type { AreaCode, PartyRole } from '@kyodo/contracts';

export interface PartyRow {
  readonly id: string;
  readonly role: PartyRole;
  readonly name: string;
  readonly area: AreaCode | null;
}

export interface RegistryCounts {
  readonly version: string;
  readonly enrollments: { readonly total: number; readonly inForce: number };
  readonly consents: { readonly total: number; readonly inForce: number; readonly revoked: number };
}

/** Counts over the registry for the summary endpoint; supply point ids never leave this query. */
export class RegistrySummaryRepository {
  constructor(private readonly ds: DataSource) {}

  async parties(): Promise<PartyRow[]> {
    return this.ds.query(`SELECT id, role, name, area FROM party ORDER BY id`);
  }

  /** `today` is a YYYY-MM-DD date, `now` an instant: a consent revoked after now is still in force. */
  async counts(today: string, now: Date): Promise<RegistryCounts> {
    const rows: {
      version: string;
      enrollments: string;
      enrollments_in_force: string;
      consents: string;
      consents_in_force: string;
      consents_revoked: string;
    }[] = await this.ds.query(
      `SELECT (SELECT version::text FROM registry_version) AS version,
              (SELECT count(*) FROM enrollment)::text AS enrollments,
              (SELECT count(*) FROM enrollment WHERE $1::date BETWEEN from_date AND to_date)::text AS enrollments_in_force,
              (SELECT count(*) FROM consent)::text AS consents,
              (SELECT count(*) FROM consent
                WHERE $1::date BETWEEN from_date AND to_date AND (revoked_at IS NULL OR revoked_at > $2::timestamptz))::text
                AS consents_in_force,
              (SELECT count(*) FROM consent WHERE revoked_at IS NOT NULL AND revoked_at <= $2::timestamptz)::text
                AS consents_revoked`,
      [today, now.toISOString()],
    );
    const r = rows[0];
    return {
      version: r.version ?? '0',
      enrollments: { total: Number(r.enrollments), inForce: Number(r.enrollments_in_force) },
      consents: {
        total: Number(r.consents),
        inForce: Number(r.consents_in_force),
        revoked: Number(r.consents_revoked),
      },
    };
  }
}
