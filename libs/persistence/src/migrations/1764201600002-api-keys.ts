import type { MigrationInterface, QueryRunner } from 'typeorm';

/** API keys for `/v1/`: only a SHA-256 of the secret is kept, and a short prefix to tell keys apart. */
export class ApiKeys1764201600002 implements MigrationInterface {
  readonly name = 'ApiKeys1764201600002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_key (
        id text PRIMARY KEY,
        role text NOT NULL CHECK (role IN ('auditor', 'registry-admin')),
        key_hash text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
        prefix text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_key`);
  }
}
