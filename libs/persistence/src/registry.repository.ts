import type { DataSource, EntityManager } from 'typeorm';
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
import { rowsOf, select } from './sql';

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
    try {
      return await this.ds.transaction(async (m) => {
        // Taken first: concurrent imports wait here instead of interleaving their upserts.
        const bumped = rowsOf<{ version: string; agreements_listed: boolean }>(
          await m.query(
            `UPDATE registry_version SET version = version + 1, updated_at = now(),
                    agreements_listed = agreements_listed OR $1
              RETURNING version::text AS version, agreements_listed`,
            [data.agreements !== undefined],
          ),
        );
        await upsertParties(m, data.parties);
        await upsertEnrollments(m, data.enrollments);
        await upsertConsents(m, data.consents);
        await upsertAgreements(m, agreements);
        await upsertDelegations(m, delegations);
        await checkRoles(m);
        return {
          parties: data.parties.length,
          enrollments: data.enrollments.length,
          consents: data.consents.length,
          agreements: agreements.length,
          delegations: delegations.length,
          agreementsListed: bumped[0].agreements_listed,
          version: bumped[0].version,
        };
      });
    } catch (error) {
      throw importError(error);
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
        const enrollments = await select<{
          aggregator_id: string;
          supply_point_id: string;
          from: string;
          to: string;
        }>(
          q,
          `SELECT aggregator_id, supply_point_id,
                  to_char(from_date, 'YYYY-MM-DD') AS "from", to_char(to_date, 'YYYY-MM-DD') AS "to"
             FROM enrollment ORDER BY supply_point_id, aggregator_id, from_date`,
        );
        const consents = await select<{
          id: string;
          third_party_id: string;
          supply_point_id: string;
          categories: ConsentCategory[];
          from: string;
          to: string;
          revoked_at: Date | null;
        }>(
          q,
          `SELECT id, third_party_id, supply_point_id, categories,
                  to_char(from_date, 'YYYY-MM-DD') AS "from", to_char(to_date, 'YYYY-MM-DD') AS "to", revoked_at
             FROM consent ORDER BY id`,
        );
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
            enrollments: enrollments.map((e): Enrollment => ({
              aggregatorId: e.aggregator_id,
              supplyPointId: e.supply_point_id,
              from: e.from,
              to: e.to,
            })),
            consents: consents.map((c): Consent => ({
              id: c.id,
              thirdPartyId: c.third_party_id,
              supplyPointId: c.supply_point_id,
              categories: c.categories,
              from: c.from,
              to: c.to,
              revokedAt: c.revoked_at === null ? null : c.revoked_at.toISOString(),
            })),
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
    const rows = rowsOf<{
      id: string;
      role: PartyRole;
      name: string;
      area: AreaCode | null;
      suspended: boolean;
    }>(await this.ds.query(`SELECT id, role, name, area, suspended FROM party WHERE id = $1`, [id]));
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
    const rows = rowsOf<{ one: number }>(
      await this.ds.query(
        `SELECT 1 AS one FROM delegation
          WHERE agent_id = $1 AND for_id = $2 AND from_date <= $3::date AND to_date >= $3::date
            AND (revoked_at IS NULL OR revoked_at > $4)
          LIMIT 1`,
        [agentId, forId, day, at],
      ),
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

async function upsertParties(m: EntityManager, parties: readonly Party[]): Promise<void> {
  for (const chunk of chunks(parties)) {
    await m.query(
      `INSERT INTO party (id, role, name, area, suspended)
       SELECT id, role, name, area, suspended
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, role text, name text, area text, suspended boolean)
       ON CONFLICT (id) DO UPDATE
         SET role = EXCLUDED.role, name = EXCLUDED.name, area = EXCLUDED.area,
             suspended = EXCLUDED.suspended, updated_at = now()
         WHERE (party.role, party.name, party.area, party.suspended)
               IS DISTINCT FROM (EXCLUDED.role, EXCLUDED.name, EXCLUDED.area, EXCLUDED.suspended)`,
      [
        JSON.stringify(
          chunk.map((p) => ({
            id: p.id,
            role: p.role,
            name: p.name,
            area: p.area ?? null,
            suspended: p.suspended === true,
          })),
        ),
      ],
    );
  }
}

async function upsertEnrollments(m: EntityManager, enrollments: readonly Enrollment[]): Promise<void> {
  for (const chunk of chunks(enrollments)) {
    await m.query(
      `INSERT INTO enrollment (aggregator_id, supply_point_id, from_date, to_date)
       SELECT aggregator_id, supply_point_id, from_date, to_date
         FROM jsonb_to_recordset($1::jsonb) AS x(aggregator_id text, supply_point_id text, from_date date, to_date date)
       ON CONFLICT (aggregator_id, supply_point_id, from_date) DO UPDATE
         SET to_date = EXCLUDED.to_date, updated_at = now()
         WHERE enrollment.to_date IS DISTINCT FROM EXCLUDED.to_date`,
      [
        JSON.stringify(
          chunk.map((e) => ({
            aggregator_id: e.aggregatorId,
            supply_point_id: e.supplyPointId,
            from_date: e.from,
            to_date: e.to,
          })),
        ),
      ],
    );
  }
}

async function upsertConsents(m: EntityManager, consents: readonly Consent[]): Promise<void> {
  for (const chunk of chunks(consents)) {
    await m.query(
      `INSERT INTO consent (id, third_party_id, supply_point_id, categories, from_date, to_date, revoked_at)
       SELECT id, third_party_id, supply_point_id, categories, from_date, to_date, revoked_at
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, third_party_id text, supply_point_id text,
              categories text[], from_date date, to_date date, revoked_at timestamptz)
       ON CONFLICT (id) DO UPDATE
         SET third_party_id = EXCLUDED.third_party_id, supply_point_id = EXCLUDED.supply_point_id,
             categories = EXCLUDED.categories, from_date = EXCLUDED.from_date, to_date = EXCLUDED.to_date,
             revoked_at = EXCLUDED.revoked_at, updated_at = now()
         WHERE (consent.third_party_id, consent.supply_point_id, consent.categories, consent.from_date,
                consent.to_date, consent.revoked_at)
               IS DISTINCT FROM (EXCLUDED.third_party_id, EXCLUDED.supply_point_id, EXCLUDED.categories,
                EXCLUDED.from_date, EXCLUDED.to_date, EXCLUDED.revoked_at)`,
      [
        JSON.stringify(
          chunk.map((c) => ({
            id: c.id,
            third_party_id: c.thirdPartyId,
            supply_point_id: c.supplyPointId,
            categories: [...c.categories],
            from_date: c.from,
            to_date: c.to,
            revoked_at: c.revokedAt ?? null,
          })),
        ),
      ],
    );
  }
}

async function upsertAgreements(m: EntityManager, agreements: readonly Agreement[]): Promise<void> {
  for (const chunk of chunks(agreements)) {
    await m.query(
      `INSERT INTO agreement (id, third_party_id, from_date, to_date)
       SELECT id, third_party_id, from_date, to_date
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, third_party_id text, from_date date, to_date date)
       ON CONFLICT (id) DO UPDATE
         SET third_party_id = EXCLUDED.third_party_id, from_date = EXCLUDED.from_date,
             to_date = EXCLUDED.to_date, updated_at = now()
         WHERE (agreement.third_party_id, agreement.from_date, agreement.to_date)
               IS DISTINCT FROM (EXCLUDED.third_party_id, EXCLUDED.from_date, EXCLUDED.to_date)`,
      [
        JSON.stringify(
          chunk.map((a) => ({ id: a.id, third_party_id: a.thirdPartyId, from_date: a.from, to_date: a.to })),
        ),
      ],
    );
  }
}

async function upsertDelegations(m: EntityManager, delegations: readonly Delegation[]): Promise<void> {
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
 * Checked on the merged result, so a role change cannot strand an enrollment, a consent or an
 * agreement. An enrollment is named by its aggregator and start, never by its supply point.
 */
async function checkRoles(m: EntityManager): Promise<void> {
  const wrong: { kind: string; key: string; party: string; role: string }[] = await m.query(
    `(SELECT 'enrollment' AS kind, 'from ' || to_char(e.from_date, 'YYYY-MM-DD') AS key, p.id AS party, p.role
        FROM enrollment e JOIN party p ON p.id = e.aggregator_id WHERE p.role <> 'aggregator' LIMIT 1)
     UNION ALL
     (SELECT 'consent', c.id, p.id, p.role
        FROM consent c JOIN party p ON p.id = c.third_party_id WHERE p.role <> 'third-party' LIMIT 1)
     UNION ALL
     (SELECT 'agreement', a.id, p.id, p.role
        FROM agreement a JOIN party p ON p.id = a.third_party_id WHERE p.role <> 'third-party' LIMIT 1)`,
  );
  if (wrong.length > 0) {
    const w = wrong[0];
    const expected = w.kind === 'enrollment' ? 'an aggregator' : 'a third-party';
    throw new RegistryImportError(
      `${w.kind} ${w.key} names ${w.party}, whose role is ${w.role}; it must be ${expected}`,
    );
  }
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
