import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customers' requests and the regular audit: the `privacy-officer` API key role (subject notices) and
 * `audit_run`, the results of each scheduled chain verification and reconciliation. Notices and their
 * acknowledgements are found through the supply point's HMAC (audit_record_disclosure).
 */
export class SubjectNotices1764201600101 implements MigrationInterface {
  readonly name = 'SubjectNotices1764201600101';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_key DROP CONSTRAINT IF EXISTS api_key_role_check`);
    await q.query(
      `ALTER TABLE api_key ADD CONSTRAINT api_key_role_check
         CHECK (role IN ('auditor', 'registry-admin', 'privacy-officer'))`,
    );
    await q.query(`
      CREATE TABLE audit_run (
        id bigserial PRIMARY KEY,
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL,
        trigger text NOT NULL,
        chain_ok boolean NULL,
        chain_rows bigint NULL,
        chain_first_bad jsonb NULL,
        reconcile_ok boolean NULL,
        audit_deliveries bigint NULL,
        outbox_events bigint NULL,
        missing_from_outbox integer NULL,
        missing_from_audit integer NULL,
        error text NULL
      )`);
    await q.query(`CREATE INDEX audit_run_started ON audit_run (started_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_run`);
    await q.query(`ALTER TABLE api_key DROP CONSTRAINT IF EXISTS api_key_role_check`);
    await q.query(
      `ALTER TABLE api_key ADD CONSTRAINT api_key_role_check CHECK (role IN ('auditor', 'registry-admin'))`,
    );
  }
}
