import type { DataSource, QueryRunner } from 'typeorm';
import { inTransaction, select } from './sql';

/**
 * Monthly partitions of `audit_record`, by UTC month of `time`.
 *
 * Writers call `ensureAuditPartitions` for the months around now (one before to two after) at start
 * and then daily, so rows land in their month's partition rather than in DEFAULT. Should rows reach
 * DEFAULT anyway, creating their month moves them into it (a plain CREATE ... PARTITION OF would fail).
 *
 * Retention: `retireAuditPartition` drops one whole month (DROP TABLE), after recording, per chain,
 * the last dropped row as the anchor verification starts from.
 */

/** A month: `YYYY-MM`, or any instant in it (UTC). */
export type AuditMonth = string | Date;

interface YearMonth {
  readonly year: number;
  /** 1..12 */
  readonly month: number;
}

// Serialises partition DDL between writers ("kyodp" in ASCII).
const PARTITION_LOCK = 0x6b796f6470;

export function auditPartitionName(month: AuditMonth): string {
  const { year, month: m } = toYearMonth(month);
  return `audit_record_y${String(year).padStart(4, '0')}m${String(m).padStart(2, '0')}`;
}

/**
 * Makes sure the monthly partitions from `from` to `to` (inclusive) exist; idempotent and safe to
 * run from several processes. Returns the names of the partitions it created.
 */
export async function ensureAuditPartitions(
  ds: DataSource,
  from: AuditMonth,
  to: AuditMonth,
): Promise<string[]> {
  const created: string[] = [];
  let current = toYearMonth(from);
  const last = toYearMonth(to);
  while (compare(current, last) <= 0) {
    if (await ensureMonth(ds, current)) created.push(auditPartitionName(label(current)));
    current = next(current);
  }
  return created;
}

/** The writer's window: the month before `now` to two months after it. */
export async function ensureAuditPartitionsAround(ds: DataSource, now: Date = new Date()): Promise<string[]> {
  const here = toYearMonth(now);
  return ensureAuditPartitions(ds, label(previous(here)), label(next(next(here))));
}

/** The monthly partitions that exist, oldest first. */
export async function listAuditPartitions(ds: DataSource): Promise<string[]> {
  const rows: { name: string }[] = await ds.query(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'audit_record'::regclass AND c.relname ~ '^audit_record_y[0-9]{4}m[0-9]{2}$'
      ORDER BY c.relname`,
  );
  return rows.map((r) => r.name);
}

export class AuditPartitionError extends Error {
  override readonly name = 'AuditPartitionError';
  readonly retriable = false;
}

export interface RetiredPartition {
  readonly partition: string;
  readonly rows: number;
  /** Per chain, the last row dropped: where verification of that chain now starts. */
  readonly anchors: { partition: number; offset: string; hash: string }[];
}

/**
 * Drops one month of audit records (retention). Refuses when a later month still holds a row that
 * comes before a dropped one in its chain, since the chain could then no longer be verified.
 * Returns undefined when there is no such partition.
 */
export async function retireAuditPartition(
  ds: DataSource,
  month: AuditMonth,
): Promise<RetiredPartition | undefined> {
  const name = auditPartitionName(month);
  return inTransaction(ds, async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
    if (!(await exists(q, name))) return undefined;
    await q.query(`LOCK TABLE ${name} IN ACCESS EXCLUSIVE MODE`);
    const anchors = await select<{
      chain_partition: number;
      chain_offset: string;
      hash: string;
      rows: string;
    }>(
      q,
      `SELECT DISTINCT ON (r.chain_partition) r.chain_partition, r.chain_offset::text AS chain_offset, r.hash,
              count(*) OVER (PARTITION BY r.chain_partition)::text AS rows
         FROM ${name} r ORDER BY r.chain_partition, r.chain_offset DESC, r.id DESC`,
    );
    const straddling = await select<{ chain_partition: number }>(
      q,
      `SELECT a.chain_partition FROM unnest($1::int[], $2::bigint[]) AS a(chain_partition, chain_offset)
        WHERE EXISTS (SELECT 1 FROM audit_record r
                       WHERE r.chain_partition = a.chain_partition AND r.chain_offset <= a.chain_offset
                         AND r.tableoid <> '${name}'::regclass)`,
      [anchors.map((a) => a.chain_partition), anchors.map((a) => a.chain_offset)],
    );
    if (straddling.length > 0) {
      throw new AuditPartitionError(
        `cannot retire ${name}: chain partition(s) ${straddling.map((s) => s.chain_partition).join(', ')} ` +
          'continue in other partitions with rows before the ones to drop; retire the older month first',
      );
    }
    await q.query(
      `INSERT INTO audit_chain_anchor (chain_partition, chain_offset, hash, retired_partition)
       SELECT * FROM unnest($1::int[], $2::bigint[], $3::text[], $4::text[])
       ON CONFLICT (chain_partition) DO UPDATE
         SET chain_offset = EXCLUDED.chain_offset, hash = EXCLUDED.hash,
             retired_partition = EXCLUDED.retired_partition, updated_at = now()
         WHERE audit_chain_anchor.chain_offset < EXCLUDED.chain_offset`,
      [
        anchors.map((a) => a.chain_partition),
        anchors.map((a) => a.chain_offset),
        anchors.map((a) => a.hash),
        anchors.map(() => name),
      ],
    );
    await q.query(`DROP TABLE ${name}`);
    return {
      partition: name,
      rows: anchors.reduce((sum, a) => sum + Number(a.rows), 0),
      anchors: anchors.map((a) => ({ partition: a.chain_partition, offset: a.chain_offset, hash: a.hash })),
    };
  });
}

async function ensureMonth(ds: DataSource, month: YearMonth): Promise<boolean> {
  const name = auditPartitionName(label(month));
  const lower = bound(month);
  const upper = bound(next(month));
  return inTransaction(ds, async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
    if (await exists(q, name)) return false;
    const range = `FOR VALUES FROM ('${lower}') TO ('${upper}')`;
    await q.query('SAVEPOINT create_partition');
    try {
      await q.query(`CREATE TABLE ${name} PARTITION OF audit_record ${range}`);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code !== '23514') throw error;
      await q.query('ROLLBACK TO SAVEPOINT create_partition');
    }
    // Rows of this month are in DEFAULT: move them into a new table and attach it as the month.
    await q.query('LOCK TABLE audit_record_default IN ACCESS EXCLUSIVE MODE');
    await q.query(`CREATE TABLE ${name} (LIKE audit_record INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    await q.query(
      `WITH moved AS (DELETE FROM audit_record_default WHERE time >= $1 AND time < $2 RETURNING *)
       INSERT INTO ${name} SELECT * FROM moved`,
      [lower, upper],
    );
    await q.query(`ALTER TABLE audit_record ATTACH PARTITION ${name} ${range}`);
    return true;
  });
}

async function exists(q: QueryRunner, name: string): Promise<boolean> {
  const rows = await select<{ oid: string | null }>(q, 'SELECT to_regclass($1)::text AS oid', [name]);
  return rows[0]?.oid != null;
}

function toYearMonth(month: AuditMonth): YearMonth {
  if (month instanceof Date) {
    if (Number.isNaN(month.getTime())) throw new RangeError('invalid date');
    return checkYear({ year: month.getUTCFullYear(), month: month.getUTCMonth() + 1 });
  }
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12)
    throw new RangeError(`${JSON.stringify(month)} is not a YYYY-MM month`);
  return checkYear({ year: Number(m[1]), month: Number(m[2]) });
}

function checkYear(ym: YearMonth): YearMonth {
  if (ym.year < 1000 || ym.year > 9999) throw new RangeError(`year ${ym.year} is out of range`);
  return ym;
}

function label({ year, month }: YearMonth): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

function bound(month: YearMonth): string {
  return `${label(month)}-01 00:00:00+00`;
}

function next({ year, month }: YearMonth): YearMonth {
  return month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 };
}

function previous({ year, month }: YearMonth): YearMonth {
  return month === 1 ? { year: year - 1, month: 12 } : { year, month: month - 1 };
}

function compare(a: YearMonth, b: YearMonth): number {
  return a.year - b.year || a.month - b.month;
}
