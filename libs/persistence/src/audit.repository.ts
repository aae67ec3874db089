import type { DataSource, QueryRunner } from 'typeorm';
import {
  canonicalInstant,
  chain,
  GENESIS_HASH,
  type AuditRecord,
  type ChainedAuditRow,
  type ChainHead,
  type ChainInput,
} from '@kyodo/audit';
import { AuditQueryError } from './errors';
import { inTransaction, select } from './sql';

export interface AppendResult {
  readonly inserted: number;
  /** Records already stored (at or before their chain's head, or the same id and time): left out. */
  readonly skipped: number;
  /** The heads of the chains this batch touched, after it. */
  readonly heads: ChainHead[];
}

/** What `disclosures` is asked: one supply point's deliveries. Times are instants; `to` is exclusive. */
export interface DisclosureQuery {
  readonly supplyPointHmac: string;
  readonly from?: string | Date;
  readonly to?: string | Date;
  readonly recipientId?: string;
  /** Most rows returned (default 10,000). */
  readonly limit?: number;
}

export interface AuditSearchQuery {
  readonly recipientId?: string;
  /** One value, or any of several (a value and its sealed form: see `sealedText`). */
  readonly type?: string | readonly string[];
  readonly inboundId?: string | readonly string[];
  readonly inboundSource?: string | readonly string[];
  readonly outcome?: AuditRecord['outcome'];
  readonly from?: string | Date;
  readonly to?: string | Date;
  /** `nextCursor` of the previous page. */
  readonly after?: string;
  /** Page size, 1..1000 (default 100). */
  readonly limit?: number;
}

export interface AuditPage {
  /** By (time, id). */
  readonly items: AuditRecord[];
  /** Pass as `after` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** A consistent read of the whole chain: rows, recorded heads and retention anchors from one snapshot. */
export interface ChainSnapshot {
  readonly heads: ChainHead[];
  readonly anchors: ChainHead[];
  /** In (chain_partition, chain_offset) order; read once. */
  readonly rows: AsyncIterable<ChainedAuditRow>;
  close(): Promise<void>;
}

const DEFAULT_STREAM_BATCH = 2000;

// Columns in AuditRecord order, then the chain; `time` at microsecond precision, as it was hashed.
// Qualified with `a.` so ORDER BY and WHERE name the table's columns, not these text renderings.
const ROW_COLUMNS = `a.id, to_char(a.time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS time, a.event_time,
  a.inbound_topic, a.inbound_partition, a.inbound_offset::text AS inbound_offset, a.inbound_source, a.inbound_id, a.type,
  a.supply_point_hmac, a.recipient_id, a.recipient_role, a.relations, a.purposes, a.fields_delivered, a.fields_withheld,
  a.policy_version, a.outcome, a.reason, a.outbound_id, a.basis,
  a.chain_partition, a.chain_offset::text AS chain_offset, a.prev_hash, a.hash`;

const INSERT_ROWS = `
  INSERT INTO audit_record (id, time, event_time, inbound_topic, inbound_partition, inbound_offset, inbound_source,
    inbound_id, type, supply_point_hmac, recipient_id, recipient_role, relations, purposes, fields_delivered,
    fields_withheld, policy_version, outcome, reason, outbound_id, basis, chain_partition, chain_offset, prev_hash, hash)
  SELECT r.* FROM jsonb_to_recordset($1::jsonb) AS r(id text, time timestamptz, event_time text, inbound_topic text,
    inbound_partition integer, inbound_offset bigint, inbound_source text, inbound_id text, type text,
    supply_point_hmac text, recipient_id text, recipient_role text, relations text[], purposes text[],
    fields_delivered text[], fields_withheld text[], policy_version text, outcome text, reason text,
    outbound_id text, basis text[], chain_partition integer, chain_offset bigint, prev_hash text, hash text)
  ON CONFLICT DO NOTHING`;

interface DbRow {
  id: string;
  time: string;
  event_time: string | null;
  inbound_topic: string;
  inbound_partition: number;
  inbound_offset: string;
  inbound_source: string | null;
  inbound_id: string | null;
  type: string | null;
  supply_point_hmac: string | null;
  recipient_id: string | null;
  recipient_role: string | null;
  relations: string[];
  purposes: string[];
  fields_delivered: string[];
  fields_withheld: string[];
  policy_version: string;
  outcome: string;
  reason: string | null;
  outbound_id: string | null;
  /** NULL on every record but a consented-third-party delivery (see AuditRecord.basis). */
  basis: string[] | null;
  chain_partition: number;
  chain_offset: string;
  prev_hash: string;
  hash: string;
}

/** The audit trail in PostgreSQL: hash-chained appends, verification reads, and the queries on it. */
export class AuditRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Appends records at their audit-topic positions, in one transaction: locks the heads of the
   * chains involved (creating missing ones at genesis), leaves out records at or before their head
   * (a re-delivered record never makes a second row), chains the rest, inserts them in one statement
   * and moves the heads.
   */
  async appendBatch(inputs: readonly ChainInput[]): Promise<AppendResult> {
    if (inputs.length === 0) return { inserted: 0, skipped: 0, heads: [] };
    const partitions = [...new Set(inputs.map((i) => i.chainPartition))].sort((a, b) => a - b);
    return inTransaction(this.ds, async (q) => {
      await q.query(
        `INSERT INTO audit_chain_head (chain_partition, chain_offset, hash)
         SELECT p, -1, $2 FROM unnest($1::int[]) AS p ORDER BY p ON CONFLICT DO NOTHING`,
        [partitions, GENESIS_HASH],
      );
      const locked = await select<{ chain_partition: number; chain_offset: string; hash: string }>(
        q,
        `SELECT chain_partition, chain_offset::text AS chain_offset, hash FROM audit_chain_head
          WHERE chain_partition = ANY($1::int[]) ORDER BY chain_partition FOR UPDATE`,
        [partitions],
      );
      const heads = locked.map((h) => ({
        partition: h.chain_partition,
        offset: h.chain_offset,
        hash: h.hash,
      }));

      let pending = inputs;
      let result = chain(pending, heads);
      let duplicates = 0;
      // Normally one pass. A record already stored under the same (time, id) at another position is
      // left out and the rest chained again, so every chained row is a stored row.
      for (let attempt = 0; result.rows.length > 0; attempt++) {
        await q.query('SAVEPOINT append_rows');
        const insert = await q.query(INSERT_ROWS, [JSON.stringify(result.rows.map(toDbRow))], true);
        if (insert.affected === result.rows.length) break;
        await q.query('ROLLBACK TO SAVEPOINT append_rows');
        if (attempt > 2)
          throw new Error('audit rows kept conflicting with stored rows; giving up on this batch');
        const stored = await storedKeys(q, result.rows);
        const seen = new Set<string>();
        const excluded = new Set<string>();
        for (const row of result.rows) {
          const key = rowKey(row.time, row.id);
          if (stored.has(key) || seen.has(key))
            excluded.add(positionKey(row.chainPartition, row.chainOffset));
          seen.add(key);
        }
        pending = pending.filter(
          (i) => !excluded.has(positionKey(i.chainPartition, BigInt(i.chainOffset).toString())),
        );
        duplicates += excluded.size;
        result = chain(pending, heads);
      }

      const moved = result.heads.filter(
        (h) => heads.find((p) => p.partition === h.partition)?.offset !== h.offset,
      );
      if (moved.length > 0) {
        await q.query(
          `UPDATE audit_chain_head AS h SET chain_offset = v.chain_offset, hash = v.hash, updated_at = now()
             FROM unnest($1::int[], $2::bigint[], $3::text[]) AS v(chain_partition, chain_offset, hash)
            WHERE h.chain_partition = v.chain_partition`,
          [moved.map((h) => h.partition), moved.map((h) => h.offset), moved.map((h) => h.hash)],
        );
      }
      return { inserted: result.rows.length, skipped: result.skipped + duplicates, heads: result.heads };
    });
  }

  /** The recorded head of every chain. */
  async chainHeads(partition?: number): Promise<ChainHead[]> {
    return readHeads((sql, params) => this.ds.query(sql, params), 'audit_chain_head', partition);
  }

  /** Where each chain starts after retention dropped its oldest rows. */
  async chainAnchors(partition?: number): Promise<ChainHead[]> {
    return readHeads((sql, params) => this.ds.query(sql, params), 'audit_chain_anchor', partition);
  }

  /**
   * Opens a read-only snapshot of the chain (one REPEATABLE READ transaction on its own connection):
   * heads, anchors and rows agree with each other even while the writer appends. Close it when done.
   */
  async openChainSnapshot(partition?: number, batchSize = DEFAULT_STREAM_BATCH): Promise<ChainSnapshot> {
    const q = this.ds.createQueryRunner();
    await q.connect();
    let open = true;
    const close = async (): Promise<void> => {
      if (!open) return;
      open = false;
      try {
        await q.query('ROLLBACK');
      } finally {
        await q.release();
      }
    };
    try {
      await q.query('START TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const query: Query = (sql, params) => q.query(sql, params);
      const heads = await readHeads(query, 'audit_chain_head', partition);
      const anchors = await readHeads(query, 'audit_chain_anchor', partition);
      return { heads, anchors, rows: keysetRows(q, partition, batchSize), close };
    } catch (error) {
      await close();
      throw error;
    }
  }

  /** Every row in (chain_partition, chain_offset) order, read in keyset batches from one snapshot. */
  async *streamChain(partition?: number, batchSize = DEFAULT_STREAM_BATCH): AsyncGenerator<ChainedAuditRow> {
    const snapshot = await this.openChainSnapshot(partition, batchSize);
    try {
      yield* snapshot.rows;
    } finally {
      await snapshot.close();
    }
  }

  /** What was delivered about one supply point (by its HMAC): by time, then id. */
  async disclosures(query: DisclosureQuery): Promise<AuditRecord[]> {
    const where = [`a.supply_point_hmac = $1`, `a.outcome = 'delivered'`];
    const params: unknown[] = [query.supplyPointHmac];
    addTimeRange(where, params, query.from, query.to);
    if (query.recipientId !== undefined) {
      params.push(query.recipientId);
      where.push(`a.recipient_id = $${params.length}`);
    }
    params.push(clampLimit(query.limit, 10_000, 100_000));
    const rows: DbRow[] = await this.ds.query(
      `SELECT ${ROW_COLUMNS} FROM audit_record a WHERE ${where.join(' AND ')} ORDER BY a.time, a.id LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => toAuditRecord(r));
  }

  /** Support search, keyset-paged by (time, id). */
  async search(query: AuditSearchQuery): Promise<AuditPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const eq = (column: string, value: unknown): void => {
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    const oneOf = (column: string, value: string | readonly string[]): void => {
      if (typeof value === 'string') return eq(column, value);
      params.push([...value]);
      where.push(`${column} = ANY($${params.length}::text[])`);
    };
    if (query.recipientId !== undefined) eq('a.recipient_id', query.recipientId);
    if (query.type !== undefined) oneOf('a.type', query.type);
    if (query.inboundId !== undefined) oneOf('a.inbound_id', query.inboundId);
    if (query.inboundSource !== undefined) oneOf('a.inbound_source', query.inboundSource);
    if (query.outcome !== undefined) eq('a.outcome', query.outcome);
    addTimeRange(where, params, query.from, query.to);
    if (query.after !== undefined) {
      const [time, id] = decodeCursor(query.after);
      params.push(time, id);
      where.push(`(a.time, a.id) > ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    const limit = clampLimit(query.limit, 100, 1000);
    params.push(limit + 1);
    const rows: DbRow[] = await this.ds.query(
      `SELECT ${ROW_COLUMNS} FROM audit_record a ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY a.time, a.id LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, limit).map((r) => toAuditRecord(r));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.time, last.id) : null };
  }

  /** Outbound event ids of deliveries decided in [from, to), by time: what the outboxes should hold. */
  async outboundIdsBetween(from: string | Date, to: string | Date): Promise<string[]> {
    const where = ['a.outbound_id IS NOT NULL'];
    const params: unknown[] = [];
    addTimeRange(where, params, from, to);
    const rows: { outbound_id: string }[] = await this.ds.query(
      `SELECT a.outbound_id FROM audit_record a WHERE ${where.join(' AND ')} ORDER BY a.time, a.id`,
      params,
    );
    return rows.map((r) => r.outbound_id);
  }
}

async function* keysetRows(
  q: QueryRunner,
  partition: number | undefined,
  batchSize: number,
): AsyncGenerator<ChainedAuditRow> {
  const size = Math.max(1, Math.floor(batchSize));
  let after: DbRow | undefined;
  for (;;) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (partition !== undefined) {
      params.push(partition);
      where.push(`a.chain_partition = $1`);
    }
    if (after) {
      params.push(after.chain_partition, after.chain_offset, after.id, after.time);
      const n = params.length;
      where.push(
        `(a.chain_partition, a.chain_offset, a.id, a.time) > ($${n - 3}::int, $${n - 2}::bigint, $${n - 1}, $${n}::timestamptz)`,
      );
    }
    params.push(size);
    const rows = await select<DbRow>(
      q,
      `SELECT ${ROW_COLUMNS} FROM audit_record a ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY a.chain_partition, a.chain_offset, a.id, a.time LIMIT $${params.length}`,
      params,
    );
    for (const row of rows) yield toChainedRow(row);
    if (rows.length < size) return;
    after = rows[rows.length - 1];
  }
}

type Query = (sql: string, params: unknown[]) => Promise<unknown>;

async function readHeads(
  query: Query,
  table: 'audit_chain_head' | 'audit_chain_anchor',
  partition: number | undefined,
): Promise<ChainHead[]> {
  const rows = (await query(
    `SELECT chain_partition, chain_offset::text AS chain_offset, hash FROM ${table}
      ${partition === undefined ? '' : 'WHERE chain_partition = $1'} ORDER BY chain_partition`,
    partition === undefined ? [] : [partition],
  )) as { chain_partition: number; chain_offset: string; hash: string }[];
  return rows.map((r) => ({ partition: r.chain_partition, offset: r.chain_offset, hash: r.hash }));
}

async function storedKeys(q: QueryRunner, rows: readonly ChainedAuditRow[]): Promise<Set<string>> {
  const found = await select<{ id: string; time: string }>(
    q,
    `SELECT a.id, to_char(a.time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS time
       FROM audit_record a JOIN unnest($1::timestamptz[], $2::text[]) AS k(time, id) ON a.time = k.time AND a.id = k.id`,
    [rows.map((r) => r.time), rows.map((r) => r.id)],
  );
  return new Set(found.map((f) => rowKey(canonicalInstant(f.time), f.id)));
}

function rowKey(time: string, id: string): string {
  return `${time} ${id}`;
}

function positionKey(partition: number, offset: string): string {
  return `${partition}/${offset}`;
}

function toDbRow(row: ChainedAuditRow): DbRow {
  return {
    id: row.id,
    time: row.time,
    event_time: row.eventTime,
    inbound_topic: row.inboundTopic,
    inbound_partition: row.inboundPartition,
    inbound_offset: row.inboundOffset,
    inbound_source: row.inboundSource,
    inbound_id: row.inboundId,
    type: row.type,
    supply_point_hmac: row.supplyPointHmac,
    recipient_id: row.recipientId,
    recipient_role: row.recipientRole,
    relations: [...row.relations],
    purposes: [...row.purposes],
    fields_delivered: [...row.fieldsDelivered],
    fields_withheld: [...row.fieldsWithheld],
    policy_version: row.policyVersion,
    outcome: row.outcome,
    reason: row.reason,
    outbound_id: row.outboundId,
    basis: row.basis === undefined ? null : [...row.basis],
    chain_partition: row.chainPartition,
    chain_offset: row.chainOffset,
    prev_hash: row.prevHash,
    hash: row.hash,
  };
}

function toAuditRecord(r: DbRow): AuditRecord {
  return {
    id: r.id,
    time: canonicalInstant(r.time),
    eventTime: r.event_time,
    inboundTopic: r.inbound_topic,
    inboundPartition: r.inbound_partition,
    inboundOffset: r.inbound_offset,
    inboundSource: r.inbound_source,
    inboundId: r.inbound_id,
    type: r.type,
    supplyPointHmac: r.supply_point_hmac,
    recipientId: r.recipient_id,
    recipientRole: r.recipient_role as AuditRecord['recipientRole'],
    relations: r.relations,
    purposes: r.purposes,
    fieldsDelivered: r.fields_delivered,
    fieldsWithheld: r.fields_withheld,
    policyVersion: r.policy_version,
    outcome: r.outcome as AuditRecord['outcome'],
    reason: r.reason as AuditRecord['reason'],
    outboundId: r.outbound_id,
    // Absent, not null, when the row has none: that is how it was hashed.
    ...(r.basis === null || r.basis === undefined ? {} : { basis: r.basis }),
  };
}

function toChainedRow(r: DbRow): ChainedAuditRow {
  return {
    ...toAuditRecord(r),
    chainPartition: r.chain_partition,
    chainOffset: r.chain_offset,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

function addTimeRange(
  where: string[],
  params: unknown[],
  from: string | Date | undefined,
  to: string | Date | undefined,
): void {
  if (from !== undefined) {
    params.push(instant('from', from));
    where.push(`a.time >= $${params.length}::timestamptz`);
  }
  if (to !== undefined) {
    params.push(instant('to', to));
    where.push(`a.time < $${params.length}::timestamptz`);
  }
}

function instant(name: string, value: string | Date): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new AuditQueryError(`${name} is not a valid time`);
    return value.toISOString();
  }
  try {
    return canonicalInstant(value);
  } catch {
    throw new AuditQueryError(`${name} ${JSON.stringify(value)} is not an RFC 3339 instant`);
  }
}

function clampLimit(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1)
    throw new AuditQueryError(`limit must be a positive integer, got ${limit}`);
  return Math.min(limit, max);
}

function encodeCursor(time: string, id: string): string {
  return Buffer.from(JSON.stringify([time, id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    ) {
      return [canonicalInstant(value[0]), value[1]];
    }
  } catch {
    // reported below
  }
  throw new AuditQueryError('the cursor is not one this API returned');
}
