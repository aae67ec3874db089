import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail. `audit_record` is partitioned by month of `time` (UTC), with a DEFAULT partition
 * catching rows of months not created yet; `ensureAuditPartitions` creates months ahead and moves any
 * strays out of DEFAULT. Retention drops whole months (`retireAuditPartition`: DROP TABLE of one
 * monthly partition), recording where each chain now starts in `audit_chain_anchor`.
 *
 * A unique (chain_partition, chain_offset) cannot be enforced across partitions (every unique index
 * must contain `time`), so chain progress lives in `audit_chain_head`, locked by each append: a
 * record at or before its chain's head is already stored and is skipped.
 */
export class Audit1764201600001 implements MigrationInterface {
  readonly name = 'Audit1764201600001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_record (
        id text NOT NULL,
        time timestamptz NOT NULL,
        event_time text NULL,
        inbound_topic text NOT NULL,
        inbound_partition integer NOT NULL,
        inbound_offset bigint NOT NULL,
        inbound_source text NULL,
        inbound_id text NULL,
        type text NULL,
        supply_point_hmac text NULL,
        recipient_id text NULL,
        recipient_role text NULL,
        relations text[] NOT NULL,
        purposes text[] NOT NULL,
        fields_delivered text[] NOT NULL,
        fields_withheld text[] NOT NULL,
        policy_version text NOT NULL,
        outcome text NOT NULL,
        reason text NULL,
        outbound_id text NULL,
        chain_partition integer NOT NULL,
        chain_offset bigint NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        PRIMARY KEY (time, id)
      ) PARTITION BY RANGE (time)`);
    await q.query(`CREATE TABLE audit_record_default PARTITION OF audit_record DEFAULT`);
    // Chain order for verification (keyset over the full row position, so duplicates are seen too).
    await q.query(
      `CREATE INDEX audit_record_chain ON audit_record (chain_partition, chain_offset, id, time)`,
    );
    // `kyodo disclosures`: one supply point's deliveries over time.
    await q.query(`CREATE INDEX audit_record_disclosure ON audit_record (supply_point_hmac, time)`);
    // Support queries: one recipient (and type), paged by (time, id).
    await q.query(`CREATE INDEX audit_record_support ON audit_record (recipient_id, type, time, id)`);

    await q.query(`
      CREATE TABLE audit_chain_head (
        chain_partition integer PRIMARY KEY,
        chain_offset bigint NOT NULL,
        hash text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE audit_chain_anchor (
        chain_partition integer PRIMARY KEY,
        chain_offset bigint NOT NULL,
        hash text NOT NULL,
        retired_partition text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_chain_anchor`);
    await q.query(`DROP TABLE audit_chain_head`);
    await q.query(`DROP TABLE audit_record`);
  }
}
