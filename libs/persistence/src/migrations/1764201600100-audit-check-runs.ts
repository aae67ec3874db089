import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Runs of the audit trail's checks (`verify`: the hash chains; `reconcile`: the audit against the
 * outboxes), so the console can show the last result and when it ran. A summary only: counts, the
 * chain heads seen and the first bad position; never a supply point or a personal value.
 */
export class AuditCheckRuns1764201600100 implements MigrationInterface {
  readonly name = 'AuditCheckRuns1764201600100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_check_run (
        id text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('verify', 'reconcile')),
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL,
        ok boolean NOT NULL,
        summary jsonb NOT NULL,
        requested_by text NULL
      )`);
    await q.query(`CREATE INDEX audit_check_run_latest ON audit_check_run (kind, finished_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_check_run`);
  }
}
