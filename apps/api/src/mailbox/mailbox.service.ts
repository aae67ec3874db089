import { randomUUID } from 'node:crypto';
import type { Topics } from '@kyodo/contracts';
import type { ConsumedRecord, KafkaPort } from '@kyodo/kafka';
import type { BundleRange, MailboxBundle, MailboxRepository } from '@kyodo/persistence';
import { DependencyUnavailableError } from '../errors';

export const MAILBOX_DEFAULT_MAX = 100;
export const MAILBOX_MAX = 2000;
export const MAILBOX_MAX_WAIT_SECONDS = 30;

export interface ServedBundle {
  readonly bundleId: string;
  /** The outbound CloudEvents, the very bytes of the outbox's records (JSON), oldest first. */
  readonly messages: readonly Buffer[];
}

/** `{ "bundleId", "messages": [ … ] }` as JSON, the events copied byte for byte (never parsed and re-encoded). */
export function bundleJson(bundle: ServedBundle): Buffer {
  const parts: Buffer[] = [Buffer.from(`{"bundleId":${JSON.stringify(bundle.bundleId)},"messages":[`)];
  bundle.messages.forEach((message, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(message);
  });
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');

export type AcknowledgeOutcome = 'acknowledged' | 'already-acknowledged' | 'unknown';

export interface MailboxOptions {
  readonly topics: Topics;
  /** How often a waiting call looks for new events (default 200 ms). */
  readonly pollMs?: number;
}

/**
 * The HTTP mailbox of a party: its outbox `<prefix>.out.<party>` read read_committed in bundles.
 *
 * The cursor is the consumer group `<prefix>.mailbox.<party>` (committed offsets: the next offset to
 * serve, per partition), backed by the ends of the acknowledged bundles in PostgreSQL, so that it
 * survives the broker expiring an idle group's offsets. A bundle is a set of offset ranges, one per
 * partition, stored when opened: until it is acknowledged every call reads the same ranges again and
 * so serves the same events, across restarts. Acknowledging commits the ranges' ends to the group
 * first and then marks the bundle, so a failure in between leaves the bundle open (served again, and
 * acknowledged again to the same offsets). Each partition's range is contiguous from the cursor, so
 * no supply point's events (the outbox is keyed by supply point) are split or reordered.
 */
export class MailboxService {
  constructor(
    private readonly bundles: MailboxRepository,
    private readonly kafka: KafkaPort,
    private readonly options: MailboxOptions,
  ) {}

  topicOf(partyId: string): string {
    return this.options.topics.outbox(partyId);
  }

  cursorGroup(partyId: string): string {
    return `${this.options.topics.prefix}.mailbox.${partyId}`;
  }

  /**
   * The party's open bundle, or a new one of up to `max` events; with `waitMs`, waits that long for
   * the first event. Null when there is none. `signal`: the caller went away; stop waiting.
   */
  async peek(
    partyId: string,
    { max, waitMs, signal }: { max: number; waitMs: number; signal?: AbortSignal },
  ): Promise<ServedBundle | null> {
    const topic = this.options.topics.outbox(partyId);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const { bundle: open, version } = await this.bundles.open(partyId);
      if (open) return this.serve(open);
      const opened = await this.openNew(partyId, topic, max, version, deadline, signal);
      if (opened !== 'moved') return opened;
    }
  }

  /**
   * A new bundle from the cursor, waiting until `deadline` for the first event; null if none came;
   * 'moved' when another call opened a bundle meanwhile (so the cursor this read started from may be
   * behind: start again).
   */
  private async openNew(
    partyId: string,
    topic: string,
    max: number,
    version: number,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<ServedBundle | null | 'moved'> {
    let cursor = await this.cursor(partyId, topic);
    for (;;) {
      const read = await this.guard(() =>
        this.kafka.readRange(
          topic,
          cursor.map((c) => ({ partition: c.partition, from: c.offset.toString() })),
          { maxRecords: max },
        ),
      );
      if (read.records.length > 0) {
        const planned = plan(read.records, read.next, cursor, max);
        const id = randomUUID();
        const stored = await this.bundles.openBundle(
          { id, partyId, topic, ranges: planned.ranges, messages: planned.records.length },
          version,
        );
        if (stored === 'moved') return 'moved';
        // A concurrent call opened one first: everyone serves that one.
        if (stored.id !== id) return this.serve(stored);
        return { bundleId: id, messages: planned.records.map(toEvent) };
      }
      // Past transaction markers and aborted records: no need to read them again.
      cursor = read.next.map((n) => ({ partition: n.partition, offset: BigInt(n.offset) }));
      if (!(await this.waitForMore(topic, cursor, deadline, signal))) return null;
    }
  }

  async acknowledge(partyId: string, bundleId: string): Promise<AcknowledgeOutcome> {
    const bundle = await this.bundles.find(partyId, bundleId);
    if (!bundle) return 'unknown';
    if (bundle.acknowledgedAt !== null) return 'already-acknowledged';
    await this.guard(() =>
      this.kafka.commitGroupOffsets(
        this.cursorGroup(partyId),
        bundle.topic,
        bundle.ranges.map((r) => ({ partition: r.partition, offset: r.until })),
      ),
    );
    await this.bundles.acknowledge(bundle.id);
    return 'acknowledged';
  }

  private async serve(bundle: MailboxBundle): Promise<ServedBundle> {
    const read = await this.guard(() => this.kafka.readRange(bundle.topic, bundle.ranges));
    return { bundleId: bundle.id, messages: order(read.records).map(toEvent) };
  }

  /** Per partition, the next offset to serve: the group's committed offset, the acknowledged bundles' end, the log start. */
  private async cursor(partyId: string, topic: string): Promise<{ partition: number; offset: bigint }[]> {
    const [offsets, committed, acknowledged] = await Promise.all([
      this.guard(() => this.kafka.topicOffsets(topic)),
      this.guard(() => this.kafka.committedOffsets(this.cursorGroup(partyId), topic)),
      this.bundles.acknowledgedEnds(partyId, topic),
    ]);
    const group = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
    return offsets.map((o) => ({
      partition: o.partition,
      offset: max(BigInt(o.low), group.get(o.partition) ?? -1n, acknowledged.get(o.partition) ?? 0n),
    }));
  }

  /** True once some partition's last stable offset passed the cursor; false at the deadline or on abort. */
  private async waitForMore(
    topic: string,
    cursor: readonly { partition: number; offset: bigint }[],
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const from = new Map(cursor.map((c) => [c.partition, c.offset]));
    const pollMs = this.options.pollMs ?? 200;
    while (Date.now() < deadline && !signal?.aborted) {
      await new Promise((done) => setTimeout(done, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
      const stable = await this.guard(() => this.kafka.stableOffsets(topic));
      if (stable.some((s) => BigInt(s.offset) > (from.get(s.partition) ?? 0n))) return true;
    }
    return false;
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new DependencyUnavailableError('the outbox could not be read; try again', { cause: error });
    }
  }
}

/**
 * Chooses up to `max` of the records read, oldest first across partitions (by Kafka timestamp; each
 * partition's records stay in offset order), and the range each partition's share covers.
 */
function plan(
  records: readonly ConsumedRecord[],
  next: readonly { partition: number; offset: string }[],
  cursor: readonly { partition: number; offset: bigint }[],
  max: number,
): { records: ConsumedRecord[]; ranges: BundleRange[] } {
  const chosen = order(records).slice(0, max);
  const readCount = new Map<number, number>();
  for (const r of records) readCount.set(r.partition, (readCount.get(r.partition) ?? 0) + 1);
  const last = new Map<number, { count: number; offset: bigint }>();
  for (const r of chosen) {
    const seen = last.get(r.partition);
    last.set(r.partition, { count: (seen?.count ?? 0) + 1, offset: BigInt(r.offset) });
  }
  const nextOf = new Map(next.map((n) => [n.partition, n.offset]));
  const ranges = cursor.map((c): BundleRange => {
    const taken = last.get(c.partition);
    const all = (taken?.count ?? 0) === (readCount.get(c.partition) ?? 0);
    const until = all
      ? (nextOf.get(c.partition) ?? c.offset.toString())
      : taken
        ? (taken.offset + 1n).toString()
        : c.offset.toString();
    return { partition: c.partition, from: c.offset.toString(), until };
  });
  return { records: chosen, ranges };
}

/** Oldest first across partitions, each partition in offset order (a merge on the partitions' heads). */
function order(records: readonly ConsumedRecord[]): ConsumedRecord[] {
  const queues = new Map<number, ConsumedRecord[]>();
  for (const r of records) {
    const q = queues.get(r.partition);
    if (q) q.push(r);
    else queues.set(r.partition, [r]);
  }
  for (const q of queues.values()) q.sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
  const heads = [...queues.values()].map((q) => ({ q, i: 0 }));
  const out: ConsumedRecord[] = [];
  for (;;) {
    let best: { q: ConsumedRecord[]; i: number } | undefined;
    for (const h of heads) {
      if (h.i >= h.q.length) continue;
      if (!best) best = h;
      else {
        const a = h.q[h.i];
        const b = best.q[best.i];
        const dt = Number(a.timestamp) - Number(b.timestamp);
        if (dt < 0 || (dt === 0 && a.partition < b.partition)) best = h;
      }
    }
    if (!best) return out;
    out.push(best.q[best.i]);
    best.i += 1;
  }
}

const NULL = Buffer.from('null');

function toEvent(record: ConsumedRecord): Buffer {
  return record.value ?? NULL;
}

function max(...values: bigint[]): bigint {
  return values.reduce((a, b) => (b > a ? b : a));
}
