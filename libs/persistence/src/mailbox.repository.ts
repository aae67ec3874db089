import type { DataSource } from 'typeorm';
import { pgError } from './errors';
import { rowsOf } from './sql';

/** One partition's share of a mailbox bundle: the outbox offsets [from, until). */
export interface BundleRange {
  readonly partition: number;
  readonly from: string;
  readonly until: string;
}

export interface MailboxBundle {
  readonly id: string;
  readonly partyId: string;
  readonly topic: string;
  readonly ranges: readonly BundleRange[];
  readonly messages: number;
  readonly openedAt: string;
  readonly acknowledgedAt: string | null;
}

interface BundleRow {
  id: string;
  party_id: string;
  topic: string;
  ranges: BundleRange[];
  messages: number;
  opened_at: Date;
  acknowledged_at: Date | null;
}

const COLUMNS = 'id, party_id, topic, ranges, messages, opened_at, acknowledged_at';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The HTTP mailbox's bundles: at most one open per party (every call serves it until it is
 * acknowledged), and the acknowledged ones, whose ranges' ends are where the party's cursor stands.
 */
export class MailboxRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * The party's open bundle, if any, and how many bundles it has had: the version a new bundle is
   * opened against (see `openBundle`).
   */
  async open(partyId: string): Promise<{ bundle: MailboxBundle | undefined; version: number }> {
    const rows = rowsOf<BundleRow & { version: string }>(
      await this.ds.query(
        `SELECT ${COLUMNS}, (SELECT count(*) FROM mailbox_bundle WHERE party_id = $1) AS version
           FROM (SELECT 1) one
           LEFT JOIN mailbox_bundle ON party_id = $1 AND acknowledged_at IS NULL`,
        [partyId],
      ),
    );
    const row = rows[0];
    return { bundle: row?.id ? toBundle(row) : undefined, version: Number(row?.version ?? 0) };
  }

  /** The party's bundle with this id, open or acknowledged; undefined for any other id. */
  async find(partyId: string, bundleId: string): Promise<MailboxBundle | undefined> {
    if (!UUID.test(bundleId)) return undefined;
    const rows = rowsOf<BundleRow>(
      await this.ds.query(`SELECT ${COLUMNS} FROM mailbox_bundle WHERE id = $1 AND party_id = $2`, [
        bundleId,
        partyId,
      ]),
    );
    return rows[0] ? toBundle(rows[0]) : undefined;
  }

  /**
   * Stores a new open bundle, computed from the cursor as it stood when the party had had `version`
   * bundles. When the party already has an open one (a concurrent call opened it first), stores
   * nothing and returns that one; when another bundle was opened since `version` (the cursor may
   * have moved), stores nothing and returns 'moved': compute again.
   */
  async openBundle(
    bundle: Omit<MailboxBundle, 'openedAt' | 'acknowledgedAt'>,
    version: number,
  ): Promise<MailboxBundle | 'moved'> {
    try {
      const rows = rowsOf<BundleRow>(
        await this.ds.query(
          `INSERT INTO mailbox_bundle (id, party_id, topic, ranges, messages)
           SELECT $1, $2, $3, $4::jsonb, $5
            WHERE (SELECT count(*) FROM mailbox_bundle WHERE party_id = $2) = $6
           RETURNING ${COLUMNS}`,
          [bundle.id, bundle.partyId, bundle.topic, JSON.stringify(bundle.ranges), bundle.messages, version],
        ),
      );
      if (rows[0]) return toBundle(rows[0]);
    } catch (error) {
      if (pgError(error)?.code !== '23505') throw error;
    }
    const { bundle: open } = await this.open(bundle.partyId);
    return open ?? 'moved';
  }

  /** Marks the bundle acknowledged (once; later calls change nothing). */
  async acknowledge(bundleId: string): Promise<void> {
    await this.ds.query(
      `UPDATE mailbox_bundle SET acknowledged_at = now() WHERE id = $1 AND acknowledged_at IS NULL`,
      [bundleId],
    );
  }

  /**
   * Per partition of `topic`, where the party's acknowledged bundles end (the highest `until`): the
   * cursor as PostgreSQL knows it, kept even if the broker expires the consumer group's offsets.
   */
  async acknowledgedEnds(partyId: string, topic: string): Promise<Map<number, bigint>> {
    const rows = rowsOf<{ partition: number; until: string }>(
      await this.ds.query(
        `SELECT (r->>'partition')::int AS partition, max((r->>'until')::numeric)::text AS until
           FROM mailbox_bundle b, jsonb_array_elements(b.ranges) r
          WHERE b.party_id = $1 AND b.topic = $2 AND b.acknowledged_at IS NOT NULL
          GROUP BY 1`,
        [partyId, topic],
      ),
    );
    return new Map(rows.map((r) => [r.partition, BigInt(r.until)]));
  }
}

function toBundle(row: BundleRow): MailboxBundle {
  return {
    id: row.id,
    partyId: row.party_id,
    topic: row.topic,
    ranges: row.ranges,
    messages: row.messages,
    openedAt: row.opened_at.toISOString(),
    acknowledgedAt: row.acknowledged_at === null ? null : row.acknowledged_at.toISOString(),
  };
}
