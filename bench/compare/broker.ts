/**
 * What every row needs from the broker around the system under test: topics, the input, the barrier
 * (the system's consumer group has committed past every input record), the outputs read back
 * read_committed, and the paced latency phase.
 */
import { performance } from 'node:perf_hooks';
import type { KafkaPort, Producer } from '@kyodo/kafka';
import { summarizeLatency, type LatencySummary } from './report';
import type { InputRecord, Workload } from './workload';

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** Fresh topics can take a moment to be known to every listener: wait until each answers. */
export async function waitForTopics(
  admin: KafkaPort,
  names: readonly string[],
  partitions: number,
): Promise<void> {
  for (const topic of names) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        if ((await admin.topicOffsets(topic)).length === partitions) break;
      } catch (error) {
        if (attempt > 100) throw error;
      }
      await sleep(100);
    }
  }
}

/**
 * Creates the topics and waits until every listener knows them. Creation can answer with a transient
 * error while leaders are elected (UNKNOWN_TOPIC_OR_PARTITION); the wait decides.
 */
export async function createTopics(
  admin: KafkaPort,
  names: readonly string[],
  partitions: number,
): Promise<void> {
  await admin.ensureTopics(names.map((name) => ({ name, partitions }))).catch(() => undefined);
  await waitForTopics(admin, names, partitions);
}

/** Writes the input, keyed by supply point, to `inbox(sender)`; returns the inboxes' end offsets. */
export async function fill(
  admin: KafkaPort,
  records: readonly InputRecord[],
  inbox: (sender: string) => string,
): Promise<Map<string, { partition: number; high: string }[]>> {
  const producer = await admin.createProducer({ idempotent: false });
  try {
    for (let i = 0; i < records.length; i += 2000) {
      await producer.send(
        records.slice(i, i + 2000).map((r) => ({ topic: inbox(r.sender), key: r.key, value: r.value })),
      );
    }
  } finally {
    await producer.disconnect();
  }
  const topics = [...new Set(records.map((r) => inbox(r.sender)))];
  return new Map(await Promise.all(topics.map(async (t) => [t, await admin.topicOffsets(t)] as const)));
}

export interface Progress {
  /** performance.now() and inputs committed at the first look past `warmupShare` of the input. */
  readonly warmAt: number;
  readonly warmCommitted: number;
  /** performance.now() once every input is committed. */
  readonly doneAt: number;
}

/**
 * The barrier: resolves once `groupId` has committed, on every inbox partition, the offset past its
 * last input record. Offsets commit in the same transaction as the outputs (or, for the naive row,
 * after the awaited sends), so every output is then written. Also notes when the group first passed
 * `warmupShare` of the input, so a rate can leave out the group's join and the first batches.
 */
export async function committedPast(
  admin: KafkaPort,
  groupId: string,
  ends: Map<string, { partition: number; high: string }[]>,
  timeoutMs: number,
  failed: () => Error | undefined = () => undefined,
  warmupShare = 0.1,
): Promise<Progress> {
  const deadline = Date.now() + timeoutMs;
  let total = 0n;
  for (const partitions of ends.values()) for (const p of partitions) total += BigInt(p.high);
  let warm: { at: number; committed: number } | undefined;
  for (;;) {
    const at = performance.now();
    let committed = 0n;
    let done = true;
    for (const [topic, partitions] of ends) {
      const offsets = new Map(
        (await admin.committedOffsets(groupId, topic)).map((c) => [c.partition, BigInt(c.offset)]),
      );
      for (const p of partitions) {
        const high = BigInt(p.high);
        const offset = offsets.get(p.partition) ?? -1n;
        committed += offset < 0n ? 0n : offset > high ? high : offset;
        if (high > 0n && offset < high) done = false;
      }
    }
    if (warm === undefined && Number(committed) >= Number(total) * warmupShare)
      warm = { at, committed: Number(committed) };
    if (done) return { warmAt: warm!.at, warmCommitted: warm!.committed, doneAt: at };
    const failure = failed();
    if (failure) throw failure;
    if (Date.now() > deadline)
      throw new Error(
        `group ${groupId} did not commit past the input within ${Math.round(timeoutMs / 1000)} s`,
      );
    await sleep(50);
  }
}

/** Every committed record of `topics` up to their high watermarks: how many, and their value bytes. */
export async function readOutputs(
  reader: KafkaPort,
  topics: readonly string[],
): Promise<{ records: number; bytes: number; byTopic: Record<string, number> }> {
  let records = 0;
  let bytes = 0;
  const byTopic: Record<string, number> = {};
  for (const topic of topics) {
    const offsets = await reader.topicOffsets(topic);
    for (const { partition, high } of offsets) {
      if (high === '0') continue;
      const read = await reader.readPartitions(topic, [{ partition, from: '0' }]);
      records += read.length;
      byTopic[topic] = (byTopic[topic] ?? 0) + read.length;
      for (const r of read) bytes += r.value?.length ?? 0;
    }
  }
  return { records, bytes, byTopic };
}

const LATENCY_TAG = /-L(\d+)"/;

/**
 * Produces variants of the input at `rate` events/s for `warmupSeconds + seconds`, each with an id
 * ending in `-L<n>`, and reads the outputs with a read_committed consumer: the latency of an input is
 * from just before its send to the first of its outputs being visible. Warm-up inputs are not counted.
 */
export async function measureLatency(options: {
  readonly admin: KafkaPort;
  readonly reader: KafkaPort;
  readonly workload: Workload;
  readonly inbox: (sender: string) => string;
  readonly outboxes: readonly string[];
  readonly groupId: string;
  readonly rate: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
}): Promise<LatencySummary> {
  const { admin, reader, workload, inbox, rate } = options;
  const sentAt: number[] = [];
  const seenAt: number[] = [];
  const consumer = await reader.createConsumer({
    groupId: options.groupId,
    topics: options.outboxes,
    fromBeginning: false,
    readCommitted: true,
    commitOffsets: false,
    handle: ({ records }) => {
      const now = performance.now();
      for (const record of records) {
        const match = record.value ? LATENCY_TAG.exec(record.value.toString('latin1')) : null;
        if (match) {
          const n = Number(match[1]);
          if (seenAt[n] === undefined) seenAt[n] = now;
        }
      }
      return Promise.resolve();
    },
  });
  const producer: Producer = await admin.createProducer({ idempotent: false });
  await sleep(1500); // the reader's position is taken at its first fetch
  const total = Math.round(rate * (options.warmupSeconds + options.seconds));
  const warmup = Math.round(rate * options.warmupSeconds);
  const sends: Promise<void>[] = [];
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    if (due > sent) {
      const now = performance.now();
      const batch = [];
      for (; sent < due; sent++) {
        const record = workload.variant(sent, `L${sent}`);
        sentAt[sent] = now;
        batch.push({ topic: inbox(record.sender), key: record.key, value: record.value });
      }
      sends.push(producer.send(batch));
    }
    await sleep(5);
  }
  await Promise.all(sends);
  const deadline = performance.now() + 15_000;
  const unseen = () => {
    let n = 0;
    for (let i = warmup; i < total; i++) if (seenAt[i] === undefined) n += 1;
    return n;
  };
  while (unseen() > 0 && performance.now() < deadline) await sleep(100);
  await producer.disconnect();
  await consumer.stop();
  const latencies: number[] = [];
  for (let i = warmup; i < total; i++) if (seenAt[i] !== undefined) latencies.push(seenAt[i] - sentAt[i]);
  return summarizeLatency(latencies, rate, total - warmup - latencies.length);
}
