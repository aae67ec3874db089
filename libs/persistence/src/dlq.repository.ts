import type { DataSource } from 'typeorm';
import { inTransaction, select } from './sql';

/** A dead letter's name: its partition and offset on the dead-letter topic. */
export const DLQ_ID = /^(\d{1,9})-(\d{1,19})$/;

export interface DlqRedrive {
  readonly dlqId: string;
  readonly attempt: number;
  readonly inboxTopic: string;
  readonly reason: string;
  readonly operator: string;
  readonly redrivenAt: string;
}

export type RedriveOutcome =
  | { readonly redriven: true; readonly attempt: number }
  | { readonly redriven: false; readonly previous: DlqRedrive };

interface RedriveRow {
  dlq_id: string;
  attempt: number;
  inbox_topic: string;
  reason: string;
  operator: string;
  redriven_at: Date;
}

function toRedrive(r: RedriveRow): DlqRedrive {
  return {
    dlqId: r.dlq_id,
    attempt: r.attempt,
    inboxTopic: r.inbox_topic,
    reason: r.reason,
    operator: r.operator,
    redrivenAt: r.redriven_at.toISOString(),
  };
}

/** The record of what operators did to dead letters: redrives and reveals of personal values. */
export class DlqRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Records a redrive of `dlqId` and runs `send` in the same transaction: if `send` throws, nothing is
   * recorded; a letter already redriven is refused (its earlier redrive returned) unless `again`. Two
   * operators redriving the same letter at once: the second waits for the first and is refused.
   */
  async redriveOnce(
    redrive: { dlqId: string; inboxTopic: string; reason: string; operator: string; again?: boolean },
    send: () => Promise<void>,
  ): Promise<RedriveOutcome> {
    return inTransaction(this.ds, async (q) => {
      // Serialises redrives of one letter (hashtext: a 32-bit key per id).
      await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`dlq:${redrive.dlqId}`]);
      const rows = await select<RedriveRow>(
        q,
        'SELECT * FROM dlq_redrive WHERE dlq_id = $1 ORDER BY attempt DESC LIMIT 1',
        [redrive.dlqId],
      );
      if (rows.length > 0 && !redrive.again) return { redriven: false, previous: toRedrive(rows[0]) };
      const attempt = rows.length > 0 ? rows[0].attempt + 1 : 1;
      await q.query(
        `INSERT INTO dlq_redrive (dlq_id, attempt, inbox_topic, reason, operator) VALUES ($1, $2, $3, $4, $5)`,
        [redrive.dlqId, attempt, redrive.inboxTopic, redrive.reason, redrive.operator],
      );
      await send();
      return { redriven: true, attempt };
    });
  }

  /** Every redrive, by letter (latest attempt last). */
  async redrives(): Promise<Map<string, DlqRedrive[]>> {
    const rows = await select<RedriveRow>(this.ds, 'SELECT * FROM dlq_redrive ORDER BY dlq_id, attempt');
    const byId = new Map<string, DlqRedrive[]>();
    for (const row of rows) {
      const list = byId.get(row.dlq_id) ?? [];
      list.push(toRedrive(row));
      byId.set(row.dlq_id, list);
    }
    return byId;
  }

  /** Records that a letter's personal values were shown, and why; before they are shown. */
  async recordReveal(dlqId: string, reason: string, operator: string): Promise<{ id: string; at: string }> {
    if (reason.trim() === '') throw new RangeError('a reveal needs a reason');
    const [row] = await select<{ id: string; revealed_at: Date }>(
      this.ds,
      'INSERT INTO dlq_reveal (dlq_id, reason, operator) VALUES ($1, $2, $3) RETURNING id::text AS id, revealed_at',
      [dlqId, reason, operator],
    );
    return { id: row.id, at: row.revealed_at.toISOString() };
  }

  async reveals(dlqId: string): Promise<{ reason: string; operator: string; revealedAt: string }[]> {
    const rows = await select<{ reason: string; operator: string; revealed_at: Date }>(
      this.ds,
      'SELECT reason, operator, revealed_at FROM dlq_reveal WHERE dlq_id = $1 ORDER BY id',
      [dlqId],
    );
    return rows.map((r) => ({
      reason: r.reason,
      operator: r.operator,
      revealedAt: r.revealed_at.toISOString(),
    }));
  }
}
