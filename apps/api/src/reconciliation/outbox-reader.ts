import { randomUUID } from 'node:crypto';
import type { ConsumedRecord, KafkaPort } from '@kyodo/kafka';
import { WorkLimitError } from '../errors';

export interface OutboxPartitionSnapshot {
  readonly topic: string;
  readonly partition: number;
  /** Log start offset: above 0 once retention has removed the oldest records. */
  readonly low: bigint;
  /** High watermark when the read started: records from here on are not read. */
  readonly high: bigint;
  /** Kafka timestamp (ms) of the first record read, if any. */
  firstTimestampMs: number | null;
  /** Ended by the idle rule rather than by reaching the snapshot (see readOutboxes). */
  assumedComplete: boolean;
}

export interface OutboxReadOptions {
  readonly groupPrefix: string;
  /** Give up waiting for more records of unfinished partitions after this long without any (default 3 s). */
  readonly idleMs?: number;
  readonly now?: () => number;
  /**
   * Refuse, with a WorkLimitError and before reading anything, topics holding more than this many
   * offsets in all (high watermark less log start, over every partition; transaction markers count).
   */
  readonly maxOffsets?: number;
  /** Stops the read: the consumer leaves and the returned promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/**
 * Reads topics from the beginning up to the high watermarks taken when called, with read_committed,
 * handing each record to `visit`. Returns the snapshot, one entry per partition.
 *
 * A read_committed consumer never sees transaction markers or aborted records, so the last offset
 * below the high watermark may never arrive. A partition counts as read when a record at offset
 * high-1 or high-2 was seen (the gateway writes every outbox in transactions, so the last offset is
 * normally a commit marker), or once no record has arrived for `idleMs` (a tail of aborted records).
 *
 * The consumer group is this read's own (a fresh id every call): nothing else ever joins it. The
 * Kafka port moves a consumer past a batch only when the batch is committed, so its offsets are
 * committed; they mean nothing to anyone else, and the broker expires them with the empty group.
 */
export async function readOutboxes(
  kafka: KafkaPort,
  topics: readonly string[],
  visit: (topic: string, partition: number, record: ConsumedRecord) => void,
  options: OutboxReadOptions,
): Promise<OutboxPartitionSnapshot[]> {
  const now = options.now ?? Date.now;
  const idleMs = options.idleMs ?? 3000;
  const signal = options.signal;
  const partitions = new Map<string, OutboxPartitionSnapshot>();
  for (const topic of topics) {
    signal?.throwIfAborted();
    for (const o of await kafka.topicOffsets(topic)) {
      partitions.set(`${topic}/${o.partition}`, {
        topic,
        partition: o.partition,
        low: BigInt(o.low),
        high: BigInt(o.high),
        firstTimestampMs: null,
        assumedComplete: false,
      });
    }
  }
  const offsets = [...partitions.values()].reduce((sum, p) => sum + (p.high - p.low), 0n);
  if (options.maxOffsets !== undefined && offsets > BigInt(options.maxOffsets)) {
    throw new WorkLimitError(
      `the outboxes hold ${offsets} offsets to read, more than the ${options.maxOffsets} one reconciliation ` +
        'may read (every outbox is read from its start, so a narrower window does not help)',
    );
  }
  const pending = new Set([...partitions].filter(([, p]) => p.high > p.low).map(([key]) => key));
  const readTopics = [...new Set([...pending].map((key) => partitions.get(key)!.topic))];
  if (readTopics.length === 0) return [...partitions.values()];
  signal?.throwIfAborted();

  let lastProgress = now();
  let finish: () => void = () => undefined;
  let fail: (reason: unknown) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  // Settled possibly before it is awaited (an abort while the consumer joins): never left unhandled.
  finished.catch(() => undefined);
  const onAbort = () => fail(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const consumer = await kafka.createConsumer({
    groupId: `${options.groupPrefix}.reconcile.${randomUUID()}`,
    topics: readTopics,
    fromBeginning: true,
    readCommitted: true,
    // A one-off reader: it leaves no committed offsets behind.
    commitOffsets: false,
    handle: (batch) => {
      const key = `${batch.topic}/${batch.partition}`;
      const snapshot = partitions.get(key);
      if (snapshot && pending.has(key) && !signal?.aborted) {
        let last = -1n;
        for (const record of batch.records) {
          const offset = BigInt(record.offset);
          if (offset >= snapshot.high) break;
          snapshot.firstTimestampMs ??= Number(record.timestamp);
          visit(batch.topic, batch.partition, record);
          last = offset;
        }
        const end = batch.records.length > 0 ? BigInt(batch.records[batch.records.length - 1].offset) : -1n;
        if (last >= 0n) lastProgress = now();
        if (end >= snapshot.high - 2n) pending.delete(key);
        if (pending.size === 0) finish();
      }
      return Promise.resolve();
    },
  });
  lastProgress = now();
  const idle = setInterval(
    () => {
      if (now() - lastProgress < idleMs) return;
      for (const key of pending) partitions.get(key)!.assumedComplete = true;
      pending.clear();
      finish();
    },
    Math.min(100, idleMs),
  );
  try {
    if (pending.size > 0) await finished;
  } finally {
    clearInterval(idle);
    signal?.removeEventListener('abort', onAbort);
    await consumer.stop();
  }
  return [...partitions.values()];
}
