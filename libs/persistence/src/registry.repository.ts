import type { PoolClient } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import type {
  Agreement,
  AreaCode,
  Consent,
  ConsentCategory,
  Delegation,
  Enrollment,
  Party,
  PartyRole,
  RegistryData,
} from '@kyodo/contracts';
import { PersistenceError, pgError, RegistryImportError } from './errors';
import { RegistryStaging, type StagedDuplicate, type StagedRows } from './registry-staging';
import { select } from './sql';

export interface RegistryImportResult {
  readonly parties: number;
  readonly enrollments: number;
  readonly consents: number;
  readonly agreements: number;
  readonly delegations: number;
  /** Whether the registry now lists agreements (set by any import with an `agreements` key, and kept). */
  readonly agreementsListed: boolean;
  /** The registry version after this import. */
  readonly version: string;
}

export interface LoadedRegistry {
  /** The version the data belongs to (read in the same snapshot). */
  readonly version: string;
  readonly data: RegistryData;
}

/** The parties and agreements of the registry, and the version they belong to. */
export interface RegistryDirectory {
  readonly version: string;
  readonly parties: readonly Party[];
  /** Present when the registry lists agreements (see `RegistryData.agreements`). */
  readonly agreements?: readonly Agreement[];
}

/** What changed between two versions, as the change log says (see `changesSince`). */
export interface RegistryChanges {
  readonly version: string;
  readonly agreementsListed: boolean;
  /** False when the log does not reach back far enough: reload everything. */
  readonly complete: boolean;
  /** Changed party ids; `*` when there were too many to name. */
  readonly parties: readonly string[];
  readonly agreements: readonly string[];
  readonly supplyPoints: readonly string[] | 'all';
}

const CHUNK = 5000;

/** Parties, enrollments and consents. Every import bumps `registry_version`, which the gateway polls. */
export class RegistryRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Upserts everything in `data` (rows not in it are kept) and bumps the version, in one
   * transaction: on any error nothing is stored. Refuses a file naming the same key twice, and a
   * result where an enrollment's party is not an aggregator or a consent's or agreement's is not a
   * third party. `data.agreements`, even empty, marks the registry as listing agreements for good.
   * Error messages name keys and constraints, never a supply point id or the server's `detail`.
   */
  async importRegistry(data: RegistryData): Promise<RegistryImportResult> {
    rejectDuplicates('party', data.parties, (p) => p.id);
    // Named without its supply point: an error message must not carry one.
    rejectDuplicates(
      'enrollment',
      data.enrollments,
      (e) => `${e.aggregatorId} ${e.supplyPointId} ${e.from}`,
      (e) => `of one supply point with ${e.aggregatorId} from ${e.from}`,
    );
    rejectDuplicates('consent', data.consents, (c) => c.id);
    const agreements = data.agreements ?? [];
    rejectDuplicates('agreement', agreements, (a) => a.id);
    const delegations = data.delegations ?? [];
    rejectDuplicates('delegation', delegations, (d) => `of ${d.agentId} for ${d.forId} from ${d.from}`);
    const q = this.ds.createQueryRunner();
    const client = (await q.connect()) as PoolClient;
    try {
      await q.startTransaction();
      const bumped = await bumpVersion(q, data.agreements !== undefined);
      const staging = await RegistryStaging.create(q, client);
      for (const chunk of chunks(data.parties)) await staging.stage({ parties: chunk });
      for (const chunk of chunks(data.enrollments)) await staging.stage({ enrollments: chunk });
      for (const chunk of chunks(data.consents)) await staging.stage({ consents: chunk });
      for (const chunk of chunks(agreements)) await staging.stage({ agreements: chunk });
      const merged = await staging.merge(bumped.version);
      await upsertDelegations(q, delegations);
      await q.commitTransaction();
      return {
        parties: merged.parties,
        enrollments: merged.enrollments,
        consents: merged.consents,
        agreements: merged.agreements,
        delegations: delegations.length,
        agreementsListed: bumped.agreementsListed,
        version: bumped.version,
      };
    } catch (error) {
      if (q.isTransactionActive) await q.rollbackTransaction();
      throw importError(error);
    } finally {
      await q.release();
    }
  }

  /**
   * An import too large to hold in memory: rows are staged batch by batch (`stage`), checked for
   * duplicates (`duplicates`), then merged and committed (`commit`) or dropped (`rollback`), all in
   * one transaction on a connection of its own. Same guarantees as `importRegistry`.
   */
  async beginBulkImport(options: { agreementsListed: boolean }): Promise<BulkRegistryImport> {
    const q = this.ds.createQueryRunner();
    const client = (await q.connect()) as PoolClient;
    try {
      await q.startTransaction();
      const staging = await RegistryStaging.create(q, client);
      return new BulkRegistryImport(q, staging, options.agreementsListed);
    } catch (error) {
      await q.release();
      throw importError(error);
    }
  }

  /**
   * What a gateway holds whole: the parties, the agreements when listed, and the version they belong
   * to, from one consistent snapshot. Enrollments and consents are looked up per supply point.
   */
  async loadDirectory(): Promise<RegistryDirectory> {
    return this.readOnly(async (q) => {
      const [head] = await select<VersionRow>(q, VERSION_SQL);
      const parties = await select<PartyRow>(
        q,
        `SELECT id, role, name, area, suspended FROM party ORDER BY id`,
      );
      const agreements = head?.agreements_listed
        ? await select<AgreementRow>(
            q,
            `SELECT id, third_party_id,
                    to_char(from_date, 'YYYY-MM-DD') AS "from", to_char(to_date, 'YYYY-MM-DD') AS "to"
               FROM agreement ORDER BY id`,
          )
        : undefined;
      return {
        version: head?.version ?? '0',
        parties: parties.map(toParty),
        ...(agreements === undefined ? {} : { agreements: agreements.map(toAgreement) }),
      };
    });
  }

  /**
   * The enrollments and consents of these supply points, ordered as `loadSnapshot` orders them (so a
   * per-supply-point list is the same either way), read in one snapshot.
   */
  async loadSupplyPoints(
    supplyPointIds: readonly string[],
  ): Promise<{ enrollments: Enrollment[]; consents: Consent[] }> {
    if (supplyPointIds.length === 0) return { enrollments: [], consents: [] };
    return this.readOnly(async (q) => {
      const ids = [...supplyPointIds];
      const enrollments = await select<EnrollmentRow>(
        q,
        `${SELECT_ENROLLMENTS} WHERE supply_point_id = ANY($1::text[]) ORDER BY supply_point_id, aggregator_id, from_date`,
        [ids],
      );
      const consents = await select<ConsentRow>(
        q,
        `${SELECT_CONSENTS} WHERE supply_point_id = ANY($1::text[]) ORDER BY id`,
        [ids],
      );
      return { enrollments: enrollments.map(toEnrollment), consents: consents.map(toConsent) };
    });
  }

  /**
   * Every enrollment and consent, if they name at most `limit` distinct supply points; else
   * undefined (the caller then looks supply points up as batches need them).
   */
  async loadAllSupplyPoints(
    limit: number,
  ): Promise<{ enrollments: Enrollment[]; consents: Consent[] } | undefined> {
    return this.readOnly(async (q) => {
      const [counted] = await select<{ n: string }>(
        q,
        `SELECT count(*)::text AS n FROM (
           SELECT supply_point_id FROM enrollment UNION SELECT supply_point_id FROM consent) s`,
      );
      if (Number(counted?.n ?? 0) > limit) return undefined;
      return allSupplyPointRows(q);
    });
  }

  /**
   * What changed after version `since`, up to the current version, from the change log: the parties,
   * agreements and supply points named (at most `limit` of them; past that `supplyPoints` is `all`).
   * `complete` is false when the log no longer reaches back to `since` (pruned, or written before the
   * log existed): the caller then reloads everything.
   */
  async changesSince(since: string, limit: number): Promise<RegistryChanges> {
    return this.readOnly(async (q) => {
      const [head] = await select<VersionRow>(q, VERSION_SQL);
      const version = head?.version ?? '0';
      const base = { version, agreementsListed: head?.agreements_listed === true };
      if (BigInt(since) < BigInt(head?.changes_kept_after ?? '0')) {
        return { ...base, complete: false, parties: [], agreements: [], supplyPoints: 'all' };
      }
      const rows = await select<{ kind: string; key: string }>(
        q,
        `SELECT DISTINCT kind, key FROM registry_change
          WHERE version > $1::bigint AND version <= $2::bigint
          ORDER BY kind, key LIMIT $3`,
        [since, version, limit + 1],
      );
      const parties: string[] = [];
      const agreements: string[] = [];
      const supplyPoints: string[] = [];
      let all = rows.length > limit;
      for (const row of rows) {
        if (row.kind === 'party') parties.push(row.key);
        else if (row.kind === 'agreement') agreements.push(row.key);
        else if (row.kind === 'supply-point') {
          if (row.key === '*') all = true;
          else supplyPoints.push(row.key);
        }
      }
      // Cut short, the party and agreement lists may be cut too: say they changed without naming them.
      if (rows.length > limit) parties.push('*');
      return { ...base, complete: true, parties, agreements, supplyPoints: all ? 'all' : supplyPoints };
    });
  }

  private async readOnly<T>(work: (q: QueryRunner) => Promise<T>): Promise<T> {
    const q = this.ds.createQueryRunner();
    await q.connect();
    try {
      await q.query('START TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        return await work(q);
      } finally {
        await q.query('COMMIT');
      }
    } finally {
      await q.release();
    }
  }

  /** The whole registry and its version, from one consistent snapshot. */
  async loadSnapshot(): Promise<LoadedRegistry> {
    const q = this.ds.createQueryRunner();
    await q.connect();
    try {
      await q.query('START TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const version = await select<{ version: string; agreements_listed: boolean }>(
          q,
          `SELECT version::text AS version, agreements_listed FROM registry_version`,
        );
        const parties = await select<{
          id: string;
          role: PartyRole;
          name: string;
          area: AreaCode | null;
          suspended: boolean;
        }>(q, `SELECT id, role, name, area, suspended FROM party ORDER BY id`);
        const agreements = version[0]?.agreements_listed
          ? await select<{ id: string; third_party_id: string; from: string; to: string }>(
              q,
              `SELECT id, third_party_id,
                      to_char(from_date, 'YYYY-MM-DD') AS "from", to_char(to_date, 'YYYY-MM-DD') AS "to"
                 FROM agreement ORDER BY id`,
            )
          : undefined;
        const { enrollments, consents } = await allSupplyPointRows(q);
        return {
          version: version[0]?.version ?? '0',
          data: {
            parties: parties.map((p): Party => ({
              id: p.id,
              role: p.role,
              name: p.name,
              ...(p.area === null ? {} : { area: p.area }),
              ...(p.suspended ? { suspended: true } : {}),
            })),
            enrollments,
            consents,
            ...(agreements === undefined
              ? {}
              : {
                  agreements: agreements.map((a): Agreement => ({
                    id: a.id,
                    thirdPartyId: a.third_party_id,
                    from: a.from,
                    to: a.to,
                  })),
                }),
          },
        };
      } finally {
        await q.query('COMMIT');
      }
    } finally {
      await q.release();
    }
  }

  /** One registered party, or undefined. */
  async findParty(id: string): Promise<Party | undefined> {
    const rows = await select<{
      id: string;
      role: PartyRole;
      name: string;
      area: AreaCode | null;
      suspended: boolean;
    }>(this.ds, `SELECT id, role, name, area, suspended FROM party WHERE id = $1`, [id]);
    const p = rows[0];
    if (!p) return undefined;
    return {
      id: p.id,
      role: p.role,
      name: p.name,
      ...(p.area === null ? {} : { area: p.area }),
      ...(p.suspended ? { suspended: true } : {}),
    };
  }

  /**
   * Whether `agentId` may act for `forId` on `day` (`YYYY-MM-DD`): a delegation covers the day and was not
   * revoked at `at`.
   */
  async delegationInForce(agentId: string, forId: string, day: string, at: Date): Promise<boolean> {
    const rows = await select<{ one: number }>(
      this.ds,
      `SELECT 1 AS one FROM delegation
        WHERE agent_id = $1 AND for_id = $2 AND from_date <= $3::date AND to_date >= $3::date
          AND (revoked_at IS NULL OR revoked_at > $4)
        LIMIT 1`,
      [agentId, forId, day, at],
    );
    return rows.length > 0;
  }

  /** The registry version: a cheap query to poll; it changes with every import. */
  async currentVersion(): Promise<string> {
    const rows: { version: string }[] = await this.ds.query(
      `SELECT version::text AS version FROM registry_version`,
    );
    return rows[0]?.version ?? '0';
  }
}

/** A bulk import in progress: one transaction on a connection of its own (see `beginBulkImport`). */
export class BulkRegistryImport {
  private done = false;

  constructor(
    private readonly q: QueryRunner,
    private readonly staging: RegistryStaging,
    private readonly agreementsListed: boolean,
  ) {}

  async stage(rows: StagedRows): Promise<void> {
    try {
      await this.staging.stage(rows);
    } catch (error) {
      throw importError(error);
    }
  }

  /** Keys staged twice (first and next occurrence), at most `limit`. */
  duplicates(limit = 100): Promise<StagedDuplicate[]> {
    return this.staging.duplicates(limit);
  }

  /** Bumps the version, merges what was staged, records the changes and commits; on error rolls back. */
  async commit(): Promise<RegistryImportResult & { supplyPointsChanged: number }> {
    try {
      const bumped = await bumpVersion(this.q, this.agreementsListed);
      const merged = await this.staging.merge(bumped.version);
      await this.q.commitTransaction();
      this.done = true;
      return {
        parties: merged.parties,
        enrollments: merged.enrollments,
        consents: merged.consents,
        agreements: merged.agreements,
        delegations: 0,
        supplyPointsChanged: merged.supplyPointsChanged,
        agreementsListed: bumped.agreementsListed,
        version: bumped.version,
      };
    } catch (error) {
      await this.rollback();
      throw importError(error);
    } finally {
      await this.release();
    }
  }

  async rollback(): Promise<void> {
    if (!this.done && this.q.isTransactionActive) await this.q.rollbackTransaction();
    this.done = true;
    await this.release();
  }

  private async release(): Promise<void> {
    if (!this.q.isReleased) await this.q.release();
  }
}

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

async function upsertDelegations(m: Queryable, delegations: readonly Delegation[]): Promise<void> {
  for (const chunk of chunks(delegations)) {
    await m.query(
      `INSERT INTO delegation (agent_id, for_id, from_date, to_date, revoked_at)
       SELECT agent_id, for_id, from_date, to_date, revoked_at
         FROM jsonb_to_recordset($1::jsonb) AS x(agent_id text, for_id text, from_date date, to_date date,
              revoked_at timestamptz)
       ON CONFLICT (agent_id, for_id, from_date) DO UPDATE
         SET to_date = EXCLUDED.to_date, revoked_at = EXCLUDED.revoked_at, updated_at = now()
         WHERE (delegation.to_date, delegation.revoked_at)
               IS DISTINCT FROM (EXCLUDED.to_date, EXCLUDED.revoked_at)`,
      [
        JSON.stringify(
          chunk.map((d) => ({
            agent_id: d.agentId,
            for_id: d.forId,
            from_date: d.from,
            to_date: d.to,
            revoked_at: d.revokedAt ?? null,
          })),
        ),
      ],
    );
  }
}

/**
 * Taken first in the merge: concurrent imports wait here instead of interleaving their upserts, so
 * versions are committed in order and the change log read by version misses nothing.
 */
async function bumpVersion(
  q: Queryable,
  agreements: boolean,
): Promise<{ version: string; agreementsListed: boolean }> {
  const [row] = await select<{ version: string; agreements_listed: boolean }>(
    q,
    `UPDATE registry_version SET version = version + 1, updated_at = now(),
            agreements_listed = agreements_listed OR $1
      RETURNING version::text AS version, agreements_listed`,
    [agreements],
  );
  return { version: row.version, agreementsListed: row.agreements_listed };
}

const VERSION_SQL = `SELECT version::text AS version, agreements_listed, changes_kept_after::text AS changes_kept_after
                       FROM registry_version`;

interface VersionRow {
  version: string;
  agreements_listed: boolean;
  changes_kept_after: string;
}
interface PartyRow {
  id: string;
  role: PartyRole;
  name: string;
  area: AreaCode | null;
  suspended: boolean;
}
interface AgreementRow {
  id: string;
  third_party_id: string;
  from: string;
  to: string;
}
const SELECT_ENROLLMENTS = `SELECT aggregator_id, supply_point_id,
    to_char(from_date, 'YYYY-MM-DD') AS "from", to_char(to_date, 'YYYY-MM-DD') AS "to" FROM enrollment`;
const SELECT_CONSENTS = `SELECT id, third_party_id, supply_point_id, categories,
    to_char(from_date, 'YYYY-MM-DD') AS "from", to_char(to_date, 'YYYY-MM-DD') AS "to", revoked_at FROM consent`;

interface EnrollmentRow {
  aggregator_id: string;
  supply_point_id: string;
  from: string;
  to: string;
}
interface ConsentRow {
  id: string;
  third_party_id: string;
  supply_point_id: string;
  categories: ConsentCategory[];
  from: string;
  to: string;
  revoked_at: Date | null;
}

function toParty(p: PartyRow): Party {
  return {
    id: p.id,
    role: p.role,
    name: p.name,
    ...(p.area === null ? {} : { area: p.area }),
    ...(p.suspended ? { suspended: true } : {}),
  };
}

function toAgreement(a: AgreementRow): Agreement {
  return { id: a.id, thirdPartyId: a.third_party_id, from: a.from, to: a.to };
}

/** Every enrollment and consent, in a stable order. */
async function allSupplyPointRows(
  q: QueryRunner,
): Promise<{ enrollments: Enrollment[]; consents: Consent[] }> {
  const enrollments = await select<EnrollmentRow>(
    q,
    `${SELECT_ENROLLMENTS} ORDER BY supply_point_id, aggregator_id, from_date`,
  );
  const consents = await select<ConsentRow>(q, `${SELECT_CONSENTS} ORDER BY id`);
  return { enrollments: enrollments.map(toEnrollment), consents: consents.map(toConsent) };
}

function toEnrollment(e: EnrollmentRow): Enrollment {
  return { aggregatorId: e.aggregator_id, supplyPointId: e.supply_point_id, from: e.from, to: e.to };
}

function toConsent(c: ConsentRow): Consent {
  return {
    id: c.id,
    thirdPartyId: c.third_party_id,
    supplyPointId: c.supply_point_id,
    categories: c.categories,
    from: c.from,
    to: c.to,
    revokedAt: c.revoked_at === null ? null : c.revoked_at.toISOString(),
  };
}

/**
 * The import's refusal, said from the SQLSTATE and the constraint's name only. PostgreSQL's `detail`
 * (and for some errors its message) quotes the offending row, supply point ids included, so neither
 * is repeated; the cause is kept for a debugger, not for logs.
 */
function importError(error: unknown): Error {
  if (error instanceof RegistryImportError) return error;
  const pg = pgError(error);
  if (!pg) return error instanceof Error ? error : new Error(String(error));
  if (!/^(22|23)/.test(pg.code)) {
    return new PersistenceError(
      `the registry could not be stored (PostgreSQL error ${pg.code}${pg.constraint ? `, ${pg.constraint}` : ''})`,
      { cause: error },
    );
  }
  const what: Record<string, string> = {
    '23503': 'an enrollment, consent, agreement or delegation names a party that is not registered',
    '23505': 'two parties claim what only one may have (the OCCTO role, or the tdso of an area)',
    '23514': 'a value is out of range (role, area, party id, supply point id, dates or categories)',
    '23502': 'a required value is missing',
  };
  const summary = what[pg.code] ?? `a value is malformed (PostgreSQL error ${pg.code})`;
  const where = pg.constraint ? ` (${pg.constraint})` : '';
  return new RegistryImportError(`${summary}${where}`, { cause: error });
}

function rejectDuplicates<T>(
  kind: string,
  items: readonly T[],
  key: (item: T) => string,
  name: (item: T) => string = key,
): void {
  const seen = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) throw new RegistryImportError(`the registry names ${kind} ${name(item)} twice`);
    seen.add(k);
  }
}

function* chunks<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += CHUNK) yield items.slice(i, i + CHUNK);
}
