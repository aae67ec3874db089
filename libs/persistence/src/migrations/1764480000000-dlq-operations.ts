import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What operators do to dead letters: each redrive (at most one per letter unless forced, so a letter is
 * not re-submitted twice by accident) and each time a letter's personal values were shown, with the
 * reason given. A dead letter is named by its place on the dead-letter topic, `<partition>-<offset>`.
 */
export class DlqOperations1764480000000 implements MigrationInterface {
  readonly name = 'DlqOperations1764480000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dlq_redrive (
        dlq_id text NOT NULL CHECK (dlq_id ~ '^[0-9]+-[0-9]+$'),
        attempt int NOT NULL CHECK (attempt >= 1),
        inbox_topic text NOT NULL,
        reason text NOT NULL,
        operator text NOT NULL,
        redriven_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (dlq_id, attempt)
      )`);
    await q.query(`
      CREATE TABLE dlq_reveal (
        id bigserial PRIMARY KEY,
        dlq_id text NOT NULL CHECK (dlq_id ~ '^[0-9]+-[0-9]+$'),
        reason text NOT NULL CHECK (length(btrim(reason)) > 0),
        operator text NOT NULL,
        revealed_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE dlq_reveal`);
    await q.query(`DROP TABLE dlq_redrive`);
  }
}
