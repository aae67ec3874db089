import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The registry's change log: every import records, under its version, which parties, agreements and
 * supply points it changed, so that a running gateway applies only those instead of reloading all.
 * `changes_kept_after`: the log holds every change of the versions after it (older ones are pruned).
 */
export class RegistryChanges1764547200000 implements MigrationInterface {
  readonly name = 'RegistryChanges1764547200000';

  async up(q: QueryRunner): Promise<void> {
    // `kind` names what `key` is: a party id, an agreement id, a supply point id, or `*` for every
    // supply point (an import too large to list). Not constrained: new kinds of rows add new kinds.
    await q.query(`
      CREATE TABLE registry_change (
        version bigint NOT NULL,
        kind text NOT NULL,
        key text NOT NULL,
        PRIMARY KEY (version, kind, key)
      )`);
    await q.query(`ALTER TABLE registry_version ADD COLUMN changes_kept_after bigint NOT NULL DEFAULT 0`);
    // The log starts now: a gateway older than this version reloads once.
    await q.query(`UPDATE registry_version SET changes_kept_after = version`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE registry_version DROP COLUMN changes_kept_after`);
    await q.query(`DROP TABLE registry_change`);
  }
}
