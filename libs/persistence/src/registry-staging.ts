import type { Agreement, Consent, Enrollment, Party } from '@kyodo/contracts';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { RegistryImportError } from './errors';
import { select } from './sql';

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** Where a staged row came from: the import's n-th source (file) and its line; 0 when not known. */
export interface RowOrigin {
  readonly source: number;
  readonly line: number;
}

export type Staged<T> = T & { readonly origin?: RowOrigin };

/** Rows to stage, any of the four kinds. */
export interface StagedRows {
  readonly parties?: readonly Staged<Party>[];
  readonly enrollments?: readonly Staged<Enrollment>[];
  readonly consents?: readonly Staged<Consent>[];
  readonly agreements?: readonly Staged<Agreement>[];
}

/** A key named twice by the staged rows: where first and where again. */
export interface StagedDuplicate {
  readonly kind: 'party' | 'enrollment' | 'consent' | 'agreement';
  /** The key, never a supply point id: an enrollment is named by its aggregator and start. */
  readonly key: string;
  readonly first: RowOrigin;
  readonly again: RowOrigin;
}

export interface MergeCounts {
  readonly parties: number;
  readonly enrollments: number;
  readonly consents: number;
  readonly agreements: number;
  /** Distinct supply points whose enrollments or consents changed. */
  readonly supplyPointsChanged: number;
  readonly partiesChanged: number;
  readonly agreementsChanged: number;
}

/**
 * Past this many changed supply points in one import, the change log holds one `*` row instead of
 * each: a gateway then drops its whole cache, which costs less than reading the list.
 */
export const CHANGE_LOG_MAX_SUPPLY_POINTS = 50_000;
/** An import of at least this many rows refreshes the registry tables' planner statistics. */
const ANALYZE_AFTER_ROWS = 10_000;
/** Changes of versions older than the last this many are pruned (a gateway further behind reloads). */
export const CHANGE_LOG_VERSIONS_KEPT = 10_000;

/**
 * Temporary tables (dropped at commit) that an import fills first, in batches, and then merges into
 * the registry with one statement per kind. Staging lets the import find duplicates by line before
 * anything is written, and lets the merge return exactly the rows it changed for the change log.
 * Must be used inside a transaction.
 */
export class RegistryStaging {
  private constructor(
    private readonly q: Queryable,
    private readonly client: PoolClient,
  ) {}

  /** `client`: the pg connection under `q`, for COPY. */
  static async create(q: Queryable, client: PoolClient): Promise<RegistryStaging> {
    for (const sql of [
      `CREATE TEMP TABLE stage_party (source int, line int, id text, role text, name text, area text,
         suspended boolean) ON COMMIT DROP`,
      `CREATE TEMP TABLE stage_enrollment (source int, line int, aggregator_id text, supply_point_id text,
         from_date date, to_date date) ON COMMIT DROP`,
      `CREATE TEMP TABLE stage_consent (source int, line int, id text, third_party_id text,
         supply_point_id text, categories text[], from_date date, to_date date, revoked_at timestamptz)
         ON COMMIT DROP`,
      `CREATE TEMP TABLE stage_agreement (source int, line int, id text, third_party_id text,
         from_date date, to_date date) ON COMMIT DROP`,
      `CREATE TEMP TABLE stage_changed_supply_point (supply_point_id text) ON COMMIT DROP`,
    ]) {
      await q.query(sql);
    }
    return new RegistryStaging(q, client);
  }

  /** One COPY per kind present (text format: no statement per row, no parameters). */
  async stage(rows: StagedRows): Promise<void> {
    const { parties = [], enrollments = [], consents = [], agreements = [] } = rows;
    await this.copy(
      'stage_party',
      parties.map((p) =>
        copyLine(p, [p.id, p.role, p.name, p.area ?? null, p.suspended === true ? 't' : 'f']),
      ),
    );
    await this.copy(
      'stage_enrollment',
      enrollments.map((e) => copyLine(e, [e.aggregatorId, e.supplyPointId, e.from, e.to])),
    );
    await this.copy(
      'stage_consent',
      consents.map((c) =>
        copyLine(c, [
          c.id,
          c.thirdPartyId,
          c.supplyPointId,
          `{${c.categories.join(',')}}`,
          c.from,
          c.to,
          c.revokedAt ?? null,
        ]),
      ),
    );
    await this.copy(
      'stage_agreement',
      agreements.map((a) => copyLine(a, [a.id, a.thirdPartyId, a.from, a.to])),
    );
  }

  private async copy(table: string, rows: readonly string[]): Promise<void> {
    if (rows.length === 0) return;
    const sink = this.client.query(copyFrom(`COPY ${table} FROM STDIN`));
    await pipeline(Readable.from([rows.join('')]), sink);
  }

  /** Keys staged more than once, first occurrence and the next, in source and line order. */
  async duplicates(limit: number): Promise<StagedDuplicate[]> {
    const rows = await select<{
      kind: StagedDuplicate['kind'];
      key: string;
      s1: number;
      l1: number;
      s2: number;
      l2: number;
    }>(
      this.q,
      `WITH numbered AS (
         SELECT 'party' AS kind, id AS key, source, line,
                row_number() OVER (PARTITION BY id ORDER BY source, line) AS n FROM stage_party
         UNION ALL
         SELECT 'enrollment', aggregator_id || ' from ' || to_char(from_date, 'YYYY-MM-DD'), source, line,
                row_number() OVER (PARTITION BY aggregator_id, supply_point_id, from_date ORDER BY source, line)
           FROM stage_enrollment
         UNION ALL
         SELECT 'consent', id, source, line, row_number() OVER (PARTITION BY id ORDER BY source, line)
           FROM stage_consent
         UNION ALL
         SELECT 'agreement', id, source, line, row_number() OVER (PARTITION BY id ORDER BY source, line)
           FROM stage_agreement
       ), firsts AS (SELECT * FROM numbered WHERE n = 1)
       SELECT d.kind, d.key, f.source AS s1, f.line AS l1, d.source AS s2, d.line AS l2
         FROM numbered d JOIN firsts f ON f.kind = d.kind AND f.key = d.key
        WHERE d.n = 2
        ORDER BY d.source, d.line
        LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      kind: r.kind,
      key: r.key,
      first: { source: r.s1, line: r.l1 },
      again: { source: r.s2, line: r.l2 },
    }));
  }

  /**
   * Upserts the staged rows (rows not staged are kept), records what changed under `version` in the
   * change log, prunes old changes, and checks that every staged or affected enrollment names an
   * aggregator and every consent and agreement a third party.
   */
  async merge(version: string): Promise<MergeCounts> {
    const q = this.q;
    // Temporary tables are never analysed on their own: without statistics a large import's joins
    // would be planned for a handful of rows.
    await q.query(`ANALYZE stage_party, stage_enrollment, stage_consent, stage_agreement`);
    const changedParties = await select<{ n: number }>(
      q,
      `WITH up AS (
         INSERT INTO party (id, role, name, area, suspended)
         SELECT id, role, name, area, suspended FROM stage_party
         ON CONFLICT (id) DO UPDATE
           SET role = EXCLUDED.role, name = EXCLUDED.name, area = EXCLUDED.area,
               suspended = EXCLUDED.suspended, updated_at = now()
           WHERE (party.role, party.name, party.area, party.suspended)
                 IS DISTINCT FROM (EXCLUDED.role, EXCLUDED.name, EXCLUDED.area, EXCLUDED.suspended)
         RETURNING id),
       logged AS (INSERT INTO registry_change (version, kind, key) SELECT $1, 'party', id FROM up RETURNING 1)
       SELECT count(*)::int AS n FROM logged`,
      [version],
    );
    await q.query(
      `WITH up AS (
         INSERT INTO enrollment (aggregator_id, supply_point_id, from_date, to_date)
         SELECT aggregator_id, supply_point_id, from_date, to_date FROM stage_enrollment
         ON CONFLICT (aggregator_id, supply_point_id, from_date) DO UPDATE
           SET to_date = EXCLUDED.to_date, updated_at = now()
           WHERE enrollment.to_date IS DISTINCT FROM EXCLUDED.to_date
         RETURNING supply_point_id)
       INSERT INTO stage_changed_supply_point SELECT supply_point_id FROM up`,
    );
    // A consent moved to another supply point changes the old one too (the CTE sees the rows as before).
    await q.query(
      `WITH moved AS (
         SELECT c.supply_point_id FROM consent c JOIN stage_consent s ON s.id = c.id
          WHERE c.supply_point_id <> s.supply_point_id),
       up AS (
         INSERT INTO consent (id, third_party_id, supply_point_id, categories, from_date, to_date, revoked_at)
         SELECT id, third_party_id, supply_point_id, categories, from_date, to_date, revoked_at FROM stage_consent
         ON CONFLICT (id) DO UPDATE
           SET third_party_id = EXCLUDED.third_party_id, supply_point_id = EXCLUDED.supply_point_id,
               categories = EXCLUDED.categories, from_date = EXCLUDED.from_date, to_date = EXCLUDED.to_date,
               revoked_at = EXCLUDED.revoked_at, updated_at = now()
           WHERE (consent.third_party_id, consent.supply_point_id, consent.categories, consent.from_date,
                  consent.to_date, consent.revoked_at)
                 IS DISTINCT FROM (EXCLUDED.third_party_id, EXCLUDED.supply_point_id, EXCLUDED.categories,
                  EXCLUDED.from_date, EXCLUDED.to_date, EXCLUDED.revoked_at)
         RETURNING supply_point_id)
       INSERT INTO stage_changed_supply_point
       SELECT supply_point_id FROM up UNION ALL SELECT supply_point_id FROM moved`,
    );
    const changedAgreements = await select<{ n: number }>(
      q,
      `WITH up AS (
         INSERT INTO agreement (id, third_party_id, from_date, to_date)
         SELECT id, third_party_id, from_date, to_date FROM stage_agreement
         ON CONFLICT (id) DO UPDATE
           SET third_party_id = EXCLUDED.third_party_id, from_date = EXCLUDED.from_date,
               to_date = EXCLUDED.to_date, updated_at = now()
           WHERE (agreement.third_party_id, agreement.from_date, agreement.to_date)
                 IS DISTINCT FROM (EXCLUDED.third_party_id, EXCLUDED.from_date, EXCLUDED.to_date)
         RETURNING id),
       logged AS (INSERT INTO registry_change (version, kind, key) SELECT $1, 'agreement', id FROM up RETURNING 1)
       SELECT count(*)::int AS n FROM logged`,
      [version],
    );
    const [changed] = await select<{ n: number }>(
      q,
      `SELECT count(DISTINCT supply_point_id)::int AS n FROM stage_changed_supply_point`,
    );
    if (changed.n > CHANGE_LOG_MAX_SUPPLY_POINTS) {
      await q.query(`INSERT INTO registry_change (version, kind, key) VALUES ($1, 'supply-point', '*')`, [
        version,
      ]);
    } else if (changed.n > 0) {
      await q.query(
        `INSERT INTO registry_change (version, kind, key)
         SELECT DISTINCT $1::bigint, 'supply-point', supply_point_id FROM stage_changed_supply_point`,
        [version],
      );
    }
    await q.query(
      `WITH pruned AS (DELETE FROM registry_change WHERE version <= $1::bigint - $2::bigint RETURNING 1)
       UPDATE registry_version SET changes_kept_after = greatest(changes_kept_after, $1::bigint - $2::bigint)
        WHERE EXISTS (SELECT 1 FROM pruned)`,
      [version, CHANGE_LOG_VERSIONS_KEPT],
    );
    await this.checkRoles();
    const [counts] = await select<{ p: number; e: number; c: number; a: number }>(
      q,
      `SELECT (SELECT count(*)::int FROM stage_party) AS p, (SELECT count(*)::int FROM stage_enrollment) AS e,
              (SELECT count(*)::int FROM stage_consent) AS c, (SELECT count(*)::int FROM stage_agreement) AS a`,
    );
    if (counts.p + counts.e + counts.c + counts.a >= ANALYZE_AFTER_ROWS) {
      // A gateway looks supply points up by index; stale statistics after a bulk load would have
      // the planner scan the whole table for a batch's few hundred (autovacuum may come much later).
      await q.query(`ANALYZE party, enrollment, consent, agreement`);
    }
    return {
      parties: counts.p,
      enrollments: counts.e,
      consents: counts.c,
      agreements: counts.a,
      supplyPointsChanged: changed.n,
      partiesChanged: changedParties[0]?.n ?? 0,
      agreementsChanged: changedAgreements[0]?.n ?? 0,
    };
  }

  /**
   * Checked on the merged result, so a role change cannot strand an enrollment, a consent or an
   * agreement; only the staged rows and those of the staged parties are looked at, so a small import
   * into a large registry checks little. An enrollment is named by its aggregator and start, never by
   * its supply point.
   */
  private async checkRoles(): Promise<void> {
    const wrong = await select<{ kind: string; key: string; party: string; role: string }>(
      this.q,
      `(SELECT 'enrollment' AS kind, 'from ' || to_char(e.from_date, 'YYYY-MM-DD') AS key, p.id AS party, p.role
          FROM stage_enrollment e JOIN party p ON p.id = e.aggregator_id WHERE p.role <> 'aggregator' LIMIT 1)
       UNION ALL
       (SELECT 'enrollment', 'from ' || to_char(e.from_date, 'YYYY-MM-DD'), p.id, p.role
          FROM stage_party p JOIN enrollment e ON e.aggregator_id = p.id WHERE p.role <> 'aggregator' LIMIT 1)
       UNION ALL
       (SELECT 'consent', c.id, p.id, p.role
          FROM stage_consent c JOIN party p ON p.id = c.third_party_id WHERE p.role <> 'third-party' LIMIT 1)
       UNION ALL
       (SELECT 'consent', c.id, p.id, p.role
          FROM stage_party p JOIN consent c ON c.third_party_id = p.id WHERE p.role <> 'third-party' LIMIT 1)
       UNION ALL
       (SELECT 'agreement', a.id, p.id, p.role
          FROM stage_agreement a JOIN party p ON p.id = a.third_party_id WHERE p.role <> 'third-party' LIMIT 1)
       UNION ALL
       (SELECT 'agreement', a.id, p.id, p.role
          FROM stage_party p JOIN agreement a ON a.third_party_id = p.id WHERE p.role <> 'third-party' LIMIT 1)`,
    );
    if (wrong.length > 0) {
      const w = wrong[0];
      const expected = w.kind === 'enrollment' ? 'an aggregator' : 'a third-party';
      throw new RegistryImportError(
        `${w.kind} ${w.key} names ${w.party}, whose role is ${w.role}; it must be ${expected}`,
      );
    }
  }
}

/** One row of COPY's text format: the origin, then the fields, tab-separated, `\N` for null. */
function copyLine(row: { origin?: RowOrigin }, fields: readonly (string | null)[]): string {
  const origin = row.origin ?? { source: 0, line: 0 };
  let line = `${origin.source}\t${origin.line}`;
  for (const field of fields) line += `\t${field === null ? '\\N' : escapeCopy(field)}`;
  return `${line}\n`;
}

function escapeCopy(value: string): string {
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/[\\\t\n\r]/g, (c) =>
        c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
      )
    : value;
}
