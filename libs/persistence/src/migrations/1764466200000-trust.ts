import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Contract v1.1: suspended parties, third parties' agreements (and whether the registry lists them at
 * all), and the basis of a delivery in the audit trail (an optional column: rows written before it
 * hold NULL there and keep their hashes).
 */
export class Trust1764466200000 implements MigrationInterface {
  readonly name = 'Trust1764466200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE party ADD COLUMN suspended boolean NOT NULL DEFAULT false`);
    await q.query(`
      CREATE TABLE agreement (
        id text PRIMARY KEY,
        third_party_id text NOT NULL REFERENCES party (id),
        from_date date NOT NULL,
        to_date date NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT agreement_dates CHECK (to_date >= from_date)
      )`);
    await q.query(`CREATE INDEX agreement_third_party ON agreement (third_party_id)`);
    // Set by the first import whose file has an `agreements` key, and kept: a later partial file
    // without the key must not quietly turn the requirement off.
    await q.query(`ALTER TABLE registry_version ADD COLUMN agreements_listed boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE audit_record ADD COLUMN basis text[] NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_record DROP COLUMN basis`);
    await q.query(`ALTER TABLE registry_version DROP COLUMN agreements_listed`);
    await q.query(`DROP TABLE agreement`);
    await q.query(`ALTER TABLE party DROP COLUMN suspended`);
  }
}
