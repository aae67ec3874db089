import './node20';
import { randomBytes } from 'node:crypto';
import { Admin, Consumer, FetchIsolationLevels, Producer, type Message } from '@platformatic/kafka';
import type {
  ConsumerGroupDescription,
  ConsumedRecord,
  PartitionRange,
  ProducedRecord,
  RangeRead,
  ConsumerOptions,
  KafkaPort,
  Producer as ProducerPort,
  RunningConsumer,
  TopicSpec,
  TransactionalPipeline,
  TransactionalPipelineOptions,
} from '../port';
import { KafkaUnavailableError } from '../port';
import { withClientTransactions } from './client-versions';
import { CommittingConsumer } from './committing-consumer';
import { toRounds } from '../chunking';
import { baseOptions, type PlatformaticClientOptions } from './options';
import { keyPartitioner } from './partitioner';
import { toConsumed, toProduced } from './records';
import { PlatformaticTransactionalPipeline } from './transactional-pipeline';

const EARLIEST = -2n;
const LATEST = -1n;

/** The @platformatic/kafka implementation of the Kafka port: connection, admin and the clients it makes. */
export class PlatformaticClient implements KafkaPort {
  readonly kind = 'platformatic' as const;
  readonly fencesByGeneration = true;
  private admin: Admin | undefined;
  private readonly closers = new Set<() => Promise<void>>();

  constructor(private readonly options: PlatformaticClientOptions) {}

  private getAdmin(): Admin {
    this.admin ??= new Admin(baseOptions(this.options, `${this.options.clientId}-admin`));
    return this.admin;
  }

  async ping(timeoutMs = 5000): Promise<{ brokers: number; controllerId: number | null }> {
    const probe = new Admin({
      ...baseOptions(this.options, `${this.options.clientId}-ping`),
      timeout: timeoutMs,
      connectTimeout: Math.min(timeoutMs, 3000),
      retries: 0,
    });
    try {
      const metadata = await probe.metadata({ topics: [] });
      return { brokers: metadata.brokers.size, controllerId: metadata.controllerId ?? null };
    } catch (error) {
      throw new KafkaUnavailableError(
        `Kafka at ${this.options.brokers.join(',')} did not answer a metadata request: ${(error as Error).message}`,
        { cause: error },
      );
    } finally {
      await probe.close().catch(() => undefined);
    }
  }

  async listTopics(): Promise<string[]> {
    return this.getAdmin().listTopics();
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<string[]> {
    const admin = this.getAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length === 0) return [];
    // The library applies one set of configs to a whole request: one request per distinct set.
    const groups = new Map<string, TopicSpec[]>();
    for (const spec of missing) {
      const key = JSON.stringify([spec.partitions ?? null, Object.entries(spec.config ?? {}).sort()]);
      groups.set(key, [...(groups.get(key) ?? []), spec]);
    }
    for (const specs of groups.values()) {
      const first = specs[0];
      try {
        await admin.createTopics({
          topics: specs.map((s) => s.name),
          partitions: first.partitions ?? this.options.defaultPartitions ?? 3,
          replicas: this.options.replicationFactor ?? 1,
          configs: Object.entries(first.config ?? {}).map(([name, value]) => ({ name, value })),
        });
      } catch (error) {
        // Another process may have created one of them since the listing: that is what was wanted.
        if (!/already exists/i.test(describe(error))) throw error;
      }
    }
    const names = missing.map((t) => t.name);
    await this.waitForLeaders(names);
    return names;
  }

  private async waitForLeaders(topics: string[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const metadata = await this.getAdmin().metadata({ topics, forceUpdate: true });
        const ready = topics.every((name) => {
          const topic = metadata.topics.get(name);
          return topic !== undefined && topic.partitions.every((p) => p.leader >= 0);
        });
        if (ready) return;
      } catch (error) {
        last = error;
      }
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new KafkaUnavailableError(
      `topics ${topics.join(', ')} have no leader after ${timeoutMs} ms${last ? `: ${describe(last)}` : ''}`,
    );
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await this.getAdmin().deleteTopics({ topics: [...names] });
  }

  async topicOffsets(topic: string): Promise<{ partition: number; low: string; high: string }[]> {
    const admin = this.getAdmin();
    const metadata = await admin.metadata({ topics: [topic] });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const ask = (timestamp: bigint) =>
      admin.listOffsets({
        topics: [
          {
            name: topic,
            partitions: Array.from({ length: count }, (_, i) => ({ partitionIndex: i, timestamp })),
          },
        ],
      });
    const [low, high] = await Promise.all([ask(EARLIEST), ask(LATEST)]);
    const lows = new Map(low[0]?.partitions.map((p) => [p.partitionIndex, p.offset]) ?? []);
    return (high[0]?.partitions ?? [])
      .map((p) => ({
        partition: p.partitionIndex,
        low: (lows.get(p.partitionIndex) ?? 0n).toString(),
        high: p.offset.toString(),
      }))
      .sort((a, b) => a.partition - b.partition);
  }

  async committedOffsets(groupId: string, topic: string): Promise<{ partition: number; offset: string }[]> {
    const admin = this.getAdmin();
    const metadata = await admin.metadata({ topics: [topic] });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const [group] = await admin.listConsumerGroupOffsets({
      groups: [
        { groupId, topics: [{ name: topic, partitionIndexes: Array.from({ length: count }, (_, i) => i) }] },
      ],
      requireStable: true,
    });
    const found = new Map<number, bigint>();
    for (const t of group?.topics ?? []) {
      for (const p of t.partitions) found.set(p.partitionIndex, p.committedOffset);
    }
    return Array.from({ length: count }, (_, partition) => ({
      partition,
      offset: (found.get(partition) ?? -1n).toString(),
    }));
  }

  async readPartitions(
    topic: string,
    partitions: readonly { partition: number; from: string }[],
  ): Promise<ConsumedRecord[]> {
    if (partitions.length === 0) return [];
    const until = await this.listEnds(topic, partitions, FetchIsolationLevels.READ_UNCOMMITTED);
    const { records } = await this.readBounded(
      topic,
      partitions.map((p) => ({
        partition: p.partition,
        from: BigInt(p.from),
        until: until.get(p.partition) ?? 0n,
      })),
    );
    return records;
  }

  async stableOffsets(topic: string): Promise<{ partition: number; offset: string }[]> {
    const metadata = await this.getAdmin().metadata({ topics: [topic] });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const partitions = Array.from({ length: count }, (_, partition) => ({ partition }));
    const ends = await this.listEnds(topic, partitions, FetchIsolationLevels.READ_COMMITTED);
    return partitions.map(({ partition }) => ({ partition, offset: (ends.get(partition) ?? 0n).toString() }));
  }

  async readRange(
    topic: string,
    partitions: readonly PartitionRange[],
    options: { maxRecords?: number } = {},
  ): Promise<RangeRead> {
    if (partitions.length === 0) return { records: [], next: [] };
    const open = partitions.filter((p) => p.until === undefined);
    const stable =
      open.length > 0
        ? await this.listEnds(topic, open, FetchIsolationLevels.READ_COMMITTED)
        : new Map<number, bigint>();
    const { records, next } = await this.readBounded(
      topic,
      partitions.map((p) => ({
        partition: p.partition,
        from: BigInt(p.from),
        until: p.until === undefined ? (stable.get(p.partition) ?? 0n) : BigInt(p.until),
      })),
      options.maxRecords,
    );
    return {
      records,
      next: partitions.map((p) => ({
        partition: p.partition,
        offset: (next.get(p.partition) ?? 0n).toString(),
      })),
    };
  }

  async commitGroupOffsets(
    groupId: string,
    topic: string,
    offsets: readonly { partition: number; offset: string }[],
  ): Promise<void> {
    if (offsets.length === 0) return;
    await this.getAdmin().alterConsumerGroupOffsets({
      groupId,
      topics: [
        {
          name: topic,
          partitionOffsets: offsets.map((o) => ({ partition: o.partition, offset: BigInt(o.offset) })),
        },
      ],
    });
  }

  /** The high watermark (read_uncommitted) or last stable offset (read_committed) of each partition. */
  private async listEnds(
    topic: string,
    partitions: readonly { partition: number }[],
    isolationLevel: (typeof FetchIsolationLevels)[keyof typeof FetchIsolationLevels],
  ): Promise<Map<number, bigint>> {
    const listed = await this.getAdmin().listOffsets({
      isolationLevel,
      topics: [
        {
          name: topic,
          partitions: partitions.map((p) => ({ partitionIndex: p.partition, timestamp: LATEST })),
        },
      ],
    });
    const ends = new Map<number, bigint>();
    for (const p of listed[0]?.partitions ?? []) ends.set(p.partitionIndex, p.offset);
    return ends;
  }

  /**
   * Reads [from, until) of each partition read_committed, at most `maxRecords` records per partition.
   * `next`: after the last record kept where the limit cut a partition short, else its `until`.
   */
  private async readBounded(
    topic: string,
    ranges: readonly { partition: number; from: bigint; until: bigint }[],
    maxRecords = Number.POSITIVE_INFINITY,
  ): Promise<{ records: ConsumedRecord[]; next: Map<number, bigint> }> {
    const next = new Map<number, bigint>();
    for (const r of ranges) next.set(r.partition, r.until > r.from ? r.until : r.from);
    const wanted = ranges.filter((p) => p.until > p.from);
    if (wanted.length === 0) return { records: [], next };
    const until = new Map(wanted.map((p) => [p.partition, p.until]));
    const kept = new Map(wanted.map((p) => [p.partition, 0]));
    // A throwaway group: the reader commits nothing and leaves no offsets behind.
    const consumer = new Consumer({
      ...baseOptions(this.options, `${this.options.clientId}-reader`),
      groupId: `${topic}.reader.${randomBytes(6).toString('hex')}`,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      autocommit: false,
      maxWaitTime: 100,
    });
    const records: ConsumedRecord[] = [];
    try {
      const stream = await consumer.consume({
        topics: [topic],
        mode: 'manual',
        offsets: wanted.map((p) => ({ topic, partition: p.partition, offset: p.from })),
        autocommit: false,
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      });
      const remaining = new Set(wanted.map((p) => p.partition));
      await new Promise<void>((done, fail) => {
        // Transaction markers and aborted records take offsets too: progress is the fetch position. The
        // read is over once every position reached its end and nothing fetched is still queued.
        const check = () => {
          for (const partition of [...remaining]) {
            const position = stream.offsetsToFetch.get(`${topic}:${partition}`);
            if (position !== undefined && position >= (until.get(partition) ?? 0n))
              remaining.delete(partition);
          }
          if (remaining.size === 0 && stream.readableLength === 0) {
            clearInterval(timer);
            done();
          }
        };
        const timer = setInterval(check, 50);
        const seen = new Set<string>();
        stream.on('data', (message: Message) => {
          const end = until.get(message.partition);
          if (end === undefined || message.offset >= end) return;
          const count = kept.get(message.partition) ?? 0;
          if (count >= maxRecords) return;
          const key = `${message.partition}:${message.offset}`;
          if (seen.has(key)) return;
          seen.add(key);
          records.push(toConsumed(message));
          kept.set(message.partition, count + 1);
          if (count + 1 >= maxRecords) {
            next.set(message.partition, message.offset + 1n);
            remaining.delete(message.partition);
          }
        });
        stream.on('fetch', check);
        stream.on('error', (error: Error) => {
          clearInterval(timer);
          fail(error);
        });
      });
      await stream.close();
    } finally {
      await consumer.close(true).catch(() => undefined);
    }
    records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
    return { records, next };
  }

  async describeGroup(groupId: string): Promise<ConsumerGroupDescription> {
    const groups = await this.getAdmin().describeGroups({ groups: [groupId] });
    const group = groups.get(groupId);
    if (!group) return { groupId, state: 'Dead', members: [] };
    return {
      groupId,
      state: group.state,
      members: [...group.members.values()]
        .map((m) => ({
          memberId: m.id,
          clientId: m.clientId,
          host: m.clientHost,
          partitions: [...(m.assignments?.values() ?? [])].reduce((n, a) => n + a.partitions.length, 0),
        }))
        .sort((a, b) => a.memberId.localeCompare(b.memberId)),
    };
  }

  /**
   * Every record in one transaction of a short-lived producer: visible to read_committed readers
   * together or not at all. Opening it fences an earlier producer with the same id.
   */
  async sendInTransaction(transactionalId: string, records: readonly ProducedRecord[]): Promise<void> {
    if (records.length === 0) return;
    const producer = withClientTransactions(
      new Producer({
        ...baseOptions(this.options, `${this.options.clientId}-tx`),
        transactionalId,
        idempotent: true,
        acks: -1,
        partitioner: keyPartitioner,
        autocreateTopics: false,
      }),
    );
    try {
      const transaction = await producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
      try {
        for (const round of toRounds(records, toProduced)) {
          await transaction.send({ messages: round.flatMap((t) => t.messages) });
        }
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
    } finally {
      await producer.close(true).catch(() => undefined);
    }
  }

  createTransactionalPipeline(options: TransactionalPipelineOptions): TransactionalPipeline {
    const pipeline = new PlatformaticTransactionalPipeline(this.options, options);
    this.closers.add(() => pipeline.stop());
    return pipeline;
  }

  async createConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
    const consumer = new CommittingConsumer(this.options, options);
    await consumer.start();
    const stop = async () => {
      this.closers.delete(stop);
      await consumer.stop();
    };
    this.closers.add(stop);
    return { stop, status: () => consumer.status() };
  }

  createProducer(options: { idempotent?: boolean } = {}): Promise<ProducerPort> {
    const producer = new Producer({
      ...baseOptions(this.options, `${this.options.clientId}-producer`),
      idempotent: options.idempotent ?? true,
      acks: -1,
      partitioner: keyPartitioner,
      autocreateTopics: false,
    });
    const disconnect = async () => {
      this.closers.delete(disconnect);
      await producer.close();
    };
    this.closers.add(disconnect);
    return Promise.resolve({
      send: async (records) => {
        for (const round of toRounds(records, toProduced)) {
          await producer.send({ messages: round.flatMap((t) => t.messages), acks: -1 });
        }
      },
      disconnect,
    });
  }

  async close(): Promise<void> {
    for (const close of [...this.closers]) await close().catch(() => undefined);
    this.closers.clear();
    const admin = this.admin;
    this.admin = undefined;
    await admin?.close().catch(() => undefined);
  }
}

export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const nested = (error as Error & { errors?: unknown[] }).errors;
  const inner = Array.isArray(nested) && nested.length > 0 ? `: ${nested.map(describe).join('; ')}` : '';
  return `${error.message}${inner}`;
}
