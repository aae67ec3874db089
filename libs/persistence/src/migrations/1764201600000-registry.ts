import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Parties, aggregator enrollments, third-party consents, and the version the gateway polls. */
export class Registry1764201600000 implements MigrationInterface {
  readonly name = 'Registry1764201600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE party (
        id text PRIMARY KEY CHECK (id ~ '^[A-Z][A-Z0-9]{1,15}$'),
        role text NOT NULL CHECK (role IN ('retailer', 'tdso', 'occto', 'aggregator', 'third-party')),
        name text NOT NULL,
        area text NULL CHECK (area IN ('01', '02', '03', '04', '05', '06', '07', '08', '09', '10')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT party_area_iff_tdso CHECK ((role = 'tdso') = (area IS NOT NULL))
      )`);
    // The contract: at most one OCCTO; "the tdso" of an area is one party.
    await q.query(`CREATE UNIQUE INDEX party_one_occto ON party (role) WHERE role = 'occto'`);
    await q.query(`CREATE UNIQUE INDEX party_one_tdso_per_area ON party (area) WHERE role = 'tdso'`);

    await q.query(`
      CREATE TABLE enrollment (
        aggregator_id text NOT NULL REFERENCES party (id),
        supply_point_id text NOT NULL CHECK (supply_point_id ~ '^(0[1-9]|10)[0-9]{20}$'),
        from_date date NOT NULL,
        to_date date NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (aggregator_id, supply_point_id, from_date),
        CONSTRAINT enrollment_dates CHECK (to_date >= from_date)
      )`);
    await q.query(`CREATE INDEX enrollment_supply_point ON enrollment (supply_point_id)`);

    await q.query(`
      CREATE TABLE consent (
        id text PRIMARY KEY,
        third_party_id text NOT NULL REFERENCES party (id),
        supply_point_id text NOT NULL CHECK (supply_point_id ~ '^(0[1-9]|10)[0-9]{20}$'),
        categories text[] NOT NULL CHECK (categories <@ ARRAY['meter-reading', 'negawatt']::text[]),
        from_date date NOT NULL,
        to_date date NOT NULL,
        revoked_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT consent_dates CHECK (to_date >= from_date)
      )`);
    await q.query(`CREATE INDEX consent_supply_point ON consent (supply_point_id)`);
    await q.query(`CREATE INDEX consent_third_party ON consent (third_party_id)`);

    // One row, bumped by every import in the import's own transaction (which it also serialises).
    await q.query(`
      CREATE TABLE registry_version (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        version bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO registry_version (singleton, version) VALUES (true, 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE registry_version`);
    await q.query(`DROP TABLE consent`);
    await q.query(`DROP TABLE enrollment`);
    await q.query(`DROP TABLE party`);
  }
}
