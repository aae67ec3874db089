import { topicsFor } from '@kyodo/contracts';
import type { ConsumedRecord, KafkaPort } from '@kyodo/kafka';
import { DependencyUnavailableError, TimeLimitError, WorkLimitError } from '../errors';
import { resolveWindow, type TimeWindow } from '../time-bounds';
import { readOutboxes, type OutboxPartitionSnapshot } from './outbox-reader';
import type { ReconciliationRepository } from './reconciliation.repository';

/**
 * How far apart an audit record's time and its outbox record's Kafka timestamp may lie. Both are taken
 * within the same gateway batch, so they normally differ by well under a second; the margin also covers
 * producer clock skew and a slow transaction.
 */
export const RECONCILIATION_GRACE_MS = 5 * 60 * 1000;

/**
 * The most one reconciliation reads on each side: outbox offsets (every outbox is read from its
 * start; transaction markers count) and audit deliveries (in the window widened by the grace). Over
 * it, the request is refused (WorkLimitError, HTTP 422) before the outboxes are read.
 */
export const RECONCILIATION_MAX_RECORDS = 500_000;

/** How long one reconciliation may take before it is abandoned (TimeLimitError, HTTP 503). */
export const RECONCILIATION_TIMEOUT_MS = 60_000;

export interface ReconciliationQuery {
  /** RFC 3339 instant or YYYY-MM-DD (see time-bounds); either may be left open. */
  readonly from?: string;
  readonly to?: string;
}

export interface RecordPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface TrimmedOutbox {
  readonly topic: string;
  /** Deliveries before this instant can no longer be checked: retention removed them from the outbox. */
  readonly completeSince: string;
}

export interface ReconciliationReport {
  readonly window: {
    readonly from: string | null;
    readonly to: string | null;
    readonly graceSeconds: number;
  };
  /** Deliveries the audit trail records in the window. */
  readonly auditDeliveries: number;
  /** Outbound events found in the outboxes in the window (by Kafka timestamp). */
  readonly outboxEvents: number;
  /** Outbound ids the audit trail says were delivered but no outbox holds (with that audit id). */
  readonly missingFromOutbox: string[];
  /** Outbound ids in an outbox whose `kyodoaudit` names no audit record of that delivery. */
  readonly missingFromAudit: string[];
  /** Outbox records that are not outbound events (no `id` or `kyodoaudit`): not written by the gateway. */
  readonly unreadable: RecordPosition[];
  /** Outboxes that retention has trimmed, and audit deliveries too old to check against them. */
  readonly trimmedOutboxes: TrimmedOutbox[];
  readonly notVerifiable: number;
  readonly ok: boolean;
}

export interface ReconciliationOptions {
  readonly topicPrefix: string;
  readonly clock?: () => Date;
  readonly graceMs?: number;
  /** See readOutboxes. */
  readonly idleMs?: number;
  /** Default RECONCILIATION_MAX_RECORDS. */
  readonly maxRecords?: number;
  /** Default RECONCILIATION_TIMEOUT_MS. */
  readonly timeoutMs?: number;
  readonly warn?: (message: string, details: object) => void;
  /** Called for each outbox record read (the command line's progress bar). */
  readonly onOutboxRecord?: () => void;
}

interface OutboxEvent {
  readonly key: string;
  readonly outboundId: string;
  readonly inWindow: boolean;
}

/**
 * Compares the deliveries the audit trail records with the outbound events present in the recipients'
 * outboxes, both ways. A delivery is matched by its (audit id, outbound id) pair: the outbox event's
 * `kyodoaudit` and `id`.
 *
 * Without a window, everything on both sides is compared. With one, audit records are taken by their
 * time and outbox records by their Kafka timestamp; each side's records in the window are looked up
 * among the other side's records in the window widened by the grace (5 minutes) at both edges, so a
 * delivery whose two times straddle an edge is not reported missing.
 *
 * The outboxes are read up to their high watermarks at the start, before the audit trail is read: the
 * audit writer trails the gateway, so a delivery of the last moment may be reported missing from the
 * audit; reconcile windows that ended a little while ago.
 *
 * The work is bounded: at most `maxRecords` outbox offsets and as many audit deliveries are read (a
 * WorkLimitError otherwise), and the whole comparison is abandoned after `timeoutMs` (a TimeLimitError;
 * the outbox consumer is stopped).
 */
export class ReconciliationService {
  private readonly graceMs: number;
  private readonly clock: () => Date;
  private readonly maxRecords: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly repository: ReconciliationRepository,
    private readonly kafka: KafkaPort,
    private readonly options: ReconciliationOptions,
  ) {
    this.graceMs = options.graceMs ?? RECONCILIATION_GRACE_MS;
    this.clock = options.clock ?? (() => new Date());
    this.maxRecords = options.maxRecords ?? RECONCILIATION_MAX_RECORDS;
    this.timeoutMs = options.timeoutMs ?? RECONCILIATION_TIMEOUT_MS;
  }

  async reconcile(query: ReconciliationQuery = {}): Promise<ReconciliationReport> {
    const window = resolveWindow(query.from, query.to);
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new TimeLimitError(
            `reconciliation did not finish within ${this.timeoutMs / 1000} s and was abandoned; ` +
              'try again later, or with a narrower window',
          ),
        ),
      this.timeoutMs,
    );
    try {
      // On time-out the answer is the TimeLimitError at once; the outbox read stops its consumer and a
      // database query under way is left to finish, its result unused.
      return await abortable(this.compare(window, controller.signal), controller.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  private async compare(window: TimeWindow, signal: AbortSignal): Promise<ReconciliationReport> {
    const windowMs = {
      from: window.from === undefined ? undefined : Date.parse(window.from),
      to: window.to === undefined ? undefined : Date.parse(window.to),
    };
    const startedAt = this.clock();

    const { events, unreadable, partitions } = await this.readOutboxes(windowMs, signal);
    signal.throwIfAborted();
    const deliveries = await this.repository.deliveries({
      ...this.auditBounds(window),
      limit: this.maxRecords + 1,
    });
    if (deliveries.length > this.maxRecords) {
      throw new WorkLimitError(
        `the audit trail records more than ${this.maxRecords} deliveries` +
          (window.from === undefined && window.to === undefined ? '' : ' in the window and its grace') +
          ', the most one reconciliation compares; reconcile a narrower window (from, to)',
      );
    }
    signal.throwIfAborted();

    const auditKeys = new Set(deliveries.map((d) => pairKey(d.auditId, d.outboundId)));
    const outboxKeys = new Set(events.map((e) => e.key));
    const trimmed = this.trimmedOutboxes(partitions, startedAt);
    const completeSince = new Map(trimmed.map((t) => [t.topic, Date.parse(t.completeSince)]));
    const outbox = topicsFor(this.options.topicPrefix).outbox;

    const missingFromOutbox = new Set<string>();
    let notVerifiable = 0;
    const inWindow = deliveries.filter((d) => d.inWindow);
    for (const d of inWindow) {
      if (outboxKeys.has(pairKey(d.auditId, d.outboundId))) continue;
      const since = d.recipientId === null ? undefined : completeSince.get(outbox(d.recipientId));
      if (since !== undefined && Date.parse(d.time) < since + this.graceMs) notVerifiable += 1;
      else missingFromOutbox.add(d.outboundId);
    }
    const windowEvents = events.filter((e) => e.inWindow);
    const missingFromAudit = new Set(
      windowEvents.filter((e) => !auditKeys.has(e.key)).map((e) => e.outboundId),
    );

    return {
      window: { from: window.from ?? null, to: window.to ?? null, graceSeconds: this.graceMs / 1000 },
      auditDeliveries: inWindow.length,
      outboxEvents: windowEvents.length,
      missingFromOutbox: [...missingFromOutbox].sort(),
      missingFromAudit: [...missingFromAudit].sort(),
      unreadable,
      trimmedOutboxes: trimmed,
      notVerifiable,
      ok: missingFromOutbox.size === 0 && missingFromAudit.size === 0 && unreadable.length === 0,
    };
  }

  private auditBounds(window: TimeWindow): Parameters<ReconciliationRepository['deliveries']>[0] {
    return {
      windowFrom: window.from,
      windowTo: window.to,
      readFrom: window.from === undefined ? undefined : shift(window.from, -this.graceMs),
      readTo: window.to === undefined ? undefined : shift(window.to, this.graceMs),
    };
  }

  private async readOutboxes(
    window: { from?: number; to?: number },
    signal: AbortSignal,
  ): Promise<{
    events: OutboxEvent[];
    unreadable: RecordPosition[];
    partitions: OutboxPartitionSnapshot[];
  }> {
    const events: OutboxEvent[] = [];
    const unreadable: RecordPosition[] = [];
    const grace = this.graceMs;
    const onRecord = this.options.onOutboxRecord;
    const visit = (topic: string, partition: number, record: ConsumedRecord): void => {
      onRecord?.();
      const ts = Number(record.timestamp);
      if (window.from !== undefined && ts < window.from - grace) return;
      if (window.to !== undefined && ts >= window.to + grace) return;
      const inWindow =
        (window.from === undefined || ts >= window.from) && (window.to === undefined || ts < window.to);
      const event = outboundIdentity(record.value);
      if (event)
        events.push({
          key: pairKey(event.auditId, event.outboundId),
          outboundId: event.outboundId,
          inWindow,
        });
      else if (inWindow) unreadable.push({ topic, partition, offset: record.offset });
    };
    let partitions: OutboxPartitionSnapshot[];
    try {
      const topics = await this.outboxTopics();
      partitions = await readOutboxes(this.kafka, topics, visit, {
        groupPrefix: this.options.topicPrefix,
        idleMs: this.options.idleMs,
        maxOffsets: this.maxRecords,
        signal,
      });
    } catch (error) {
      if (signal.aborted || error instanceof WorkLimitError || !isKafkaError(error)) throw error;
      throw new DependencyUnavailableError(`the outboxes could not be read from Kafka: ${messageOf(error)}`, {
        cause: error,
      });
    }
    const assumed = partitions.filter((p) => p.assumedComplete);
    if (assumed.length > 0) {
      this.options.warn?.(
        'outbox partitions ended without reaching their high watermark (aborted records at the end?)',
        {
          partitions: assumed.map((p) => `${p.topic}/${p.partition}`),
        },
      );
    }
    return { events, unreadable, partitions };
  }

  private async outboxTopics(): Promise<string[]> {
    const prefix = `${this.options.topicPrefix}.out.`;
    return (await this.kafka.listTopics())
      .filter((t) => t.startsWith(prefix) && /^[A-Z][A-Z0-9]{1,15}$/.test(t.slice(prefix.length)))
      .sort();
  }

  /**
   * Outboxes with a partition whose oldest records retention removed. Records are kept from some point
   * of each partition on, so the outbox is complete from the latest of those points; a trimmed
   * partition now empty leaves nothing checkable before the read.
   */
  private trimmedOutboxes(partitions: readonly OutboxPartitionSnapshot[], startedAt: Date): TrimmedOutbox[] {
    const since = new Map<string, number>();
    for (const p of partitions) {
      if (p.low === 0n) continue;
      const from = p.firstTimestampMs ?? startedAt.getTime();
      since.set(p.topic, Math.max(since.get(p.topic) ?? 0, from));
    }
    return [...since]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([topic, ms]) => ({ topic, completeSince: new Date(ms).toISOString() }));
  }
}

function pairKey(auditId: string, outboundId: string): string {
  return JSON.stringify([auditId, outboundId]);
}

function outboundIdentity(value: Buffer | null): { outboundId: string; auditId: string } | undefined {
  if (value === null) return undefined;
  try {
    const event = JSON.parse(value.toString('utf8')) as { id?: unknown; kyodoaudit?: unknown };
    if (
      typeof event.id === 'string' &&
      typeof event.kyodoaudit === 'string' &&
      event.id &&
      event.kyodoaudit
    ) {
      return { outboundId: event.id, auditId: event.kyodoaudit };
    }
  } catch {
    // not JSON: reported as unreadable
  }
  return undefined;
}

/** `work`, or the signal's reason as soon as it is aborted (the work itself is left to notice). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(asError(signal.reason));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(asError(error));
      },
    );
  });
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

function shift(instant: string, ms: number): string {
  return new Date(Date.parse(instant) + ms).toISOString();
}

function isKafkaError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name.startsWith('KafkaJS') || (error as { retriable?: unknown }).retriable === true;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
