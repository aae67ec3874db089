import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Contract v1.1, the HTTP mailbox: API keys of role `party`, each bound to one party; each party's
 * mailbox bundles (the offset ranges of its outbox a bundle covers, so that an unacknowledged bundle is
 * served again identically, across restarts); and delegations, by which one party acts for another.
 */
export class Mailbox1764510000000 implements MigrationInterface {
  readonly name = 'Mailbox1764510000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_key DROP CONSTRAINT IF EXISTS api_key_role_check`);
    await q.query(
      `ALTER TABLE api_key ADD CONSTRAINT api_key_role_check
         CHECK (role IN ('auditor', 'registry-admin', 'privacy-officer', 'party'))`,
    );
    await q.query(`ALTER TABLE api_key ADD COLUMN party_id text NULL REFERENCES party (id)`);
    await q.query(
      `ALTER TABLE api_key ADD CONSTRAINT api_key_party_iff_role CHECK ((role = 'party') = (party_id IS NOT NULL))`,
    );

    await q.query(`
      CREATE TABLE mailbox_bundle (
        id uuid PRIMARY KEY,
        party_id text NOT NULL REFERENCES party (id),
        topic text NOT NULL,
        ranges jsonb NOT NULL,
        messages integer NOT NULL CHECK (messages > 0),
        opened_at timestamptz NOT NULL DEFAULT now(),
        acknowledged_at timestamptz NULL
      )`);
    // At most one open bundle per party: every call returns it until it is acknowledged.
    await q.query(
      `CREATE UNIQUE INDEX mailbox_bundle_open ON mailbox_bundle (party_id) WHERE acknowledged_at IS NULL`,
    );
    await q.query(`CREATE INDEX mailbox_bundle_acknowledged ON mailbox_bundle (party_id, acknowledged_at)`);

    await q.query(`
      CREATE TABLE delegation (
        agent_id text NOT NULL REFERENCES party (id),
        for_id text NOT NULL REFERENCES party (id),
        from_date date NOT NULL,
        to_date date NOT NULL,
        revoked_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (agent_id, for_id, from_date),
        CONSTRAINT delegation_dates CHECK (to_date >= from_date),
        CONSTRAINT delegation_not_self CHECK (agent_id <> for_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE delegation`);
    await q.query(`DROP TABLE mailbox_bundle`);
    await q.query(`ALTER TABLE api_key DROP CONSTRAINT api_key_party_iff_role`);
    await q.query(`ALTER TABLE api_key DROP COLUMN party_id`);
    await q.query(`ALTER TABLE api_key DROP CONSTRAINT IF EXISTS api_key_role_check`);
    await q.query(
      `ALTER TABLE api_key ADD CONSTRAINT api_key_role_check
         CHECK (role IN ('auditor', 'registry-admin', 'privacy-officer'))`,
    );
  }
}
