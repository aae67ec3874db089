import { randomBytes } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type Admin, type LogEntry } from 'kafkajs';
import { toRounds } from './chunking';
import { SelfHealingConsumer } from './kafkajs/committing-consumer';
import { toMessage, toRecord } from './kafkajs/records';
import { KafkaJsTransactionalPipeline } from './kafkajs/transactional-pipeline';
import type { KafkaLogger } from './logger';
import { describeKafkaJsGroup } from './kafkajs-groups';
import type {
  ConsumerGroupDescription,
  ConsumedRecord,
  ConsumerOptions,
  KafkaPort,
  ProducedRecord,
  Producer,
  RangeRead,
  RunningConsumer,
  TopicSpec,
  TransactionalPipeline,
  TransactionalPipelineOptions,
} from './port';
import { KafkaUnavailableError } from './port';
import { sendInTransaction } from './transactional-send';
import { kafkaJsSecurity } from './kafkajs-security';

export type { KafkaLogger } from './logger';

export interface KafkaJsClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger?: KafkaLogger;
  /** Replication factor for created topics; 1 on a single-node cluster. */
  readonly replicationFactor?: number;
  readonly defaultPartitions?: number;
  readonly security?: import('./port').KafkaSecurity;
}

const LEVELS: Record<number, keyof KafkaLogger | undefined> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * The transaction coordinator answers CONCURRENT_TRANSACTIONS while it still writes the previous
 * transaction's markers; the producer retries after a short back-off.
 */
const RETRIED_QUIETLY =
  /concurrent operation on the same transaction|coordinator is loading|not the correct coordinator|Limiting retries for the idempotent producer/i;

/** The kafkajs implementation of the Kafka port. */
export class KafkaJsClient implements KafkaPort {
  readonly kind = 'kafkajs' as const;
  /** kafkajs 2.2 sends TxnOffsetCommit without the group's generation: a second instance must not run. */
  readonly fencesByGeneration = false;
  private readonly kafka: Kafka;
  private admin: Admin | undefined;
  private readonly closers = new Set<() => Promise<void>>();

  constructor(private readonly options: KafkaJsClientOptions) {
    const log = options.logger;
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      ...kafkaJsSecurity(options.security),
      connectionTimeout: 3000,
      requestTimeout: 30000,
      retry: { initialRetryTime: 100, retries: 8 },
      logLevel: log ? logLevel.INFO : logLevel.NOTHING,
      logCreator: () => (entry: LogEntry) => {
        let method = LEVELS[entry.level];
        if (!log || !method) return;
        const { message, ...extra } = entry.log;
        // Retried by the client within milliseconds: noise at error level, kept at debug.
        if (RETRIED_QUIETLY.test(String(extra.error ?? message))) method = 'debug';
        log[method]({ kafka: entry.namespace, ...extra }, message);
      },
    });
  }

  private async getAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  /**
   * Asks for a group coordinator and a transaction coordinator. On a broker just formatted, the first
   * such request creates `__consumer_offsets` and `__transaction_state`, and until their partitions
   * have leaders every client that joins a group or starts a transaction is told "coordinator not
   * available"; this resolves once both answer. Leaves an empty group and an idle transactional id.
   */
  async coordinatorsAnswer(name: string): Promise<void> {
    await (await this.getAdmin()).describeGroups([name]);
    const producer = this.kafka.producer({ transactionalId: name, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const transaction = await producer.transaction();
      await transaction.abort();
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  }

  async ping(timeoutMs = 5000): Promise<{ brokers: number; controllerId: number | null }> {
    const probe = new Kafka({
      clientId: `${this.options.clientId}-ping`,
      brokers: [...this.options.brokers],
      ...kafkaJsSecurity(this.options.security),
      connectionTimeout: Math.min(timeoutMs, 3000),
      requestTimeout: timeoutMs,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    }).admin();
    try {
      await probe.connect();
      const cluster = await probe.describeCluster();
      return { brokers: cluster.brokers.length, controllerId: cluster.controller };
    } catch (error) {
      throw new KafkaUnavailableError(
        `Kafka at ${this.options.brokers.join(',')} did not answer a metadata request: ${(error as Error).message}`,
        { cause: error },
      );
    } finally {
      await probe.disconnect().catch(() => undefined);
    }
  }

  async listTopics(): Promise<string[]> {
    return (await this.getAdmin()).listTopics();
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<string[]> {
    const admin = await this.getAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length === 0) return [];
    await admin.createTopics({
      // kafkajs' own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker answers until
      // the new topic reaches its metadata cache (seconds, right after the broker started).
      waitForLeaders: false,
      topics: missing.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions ?? this.options.defaultPartitions ?? 3,
        replicationFactor: this.options.replicationFactor ?? 1,
        configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
    const names = missing.map((t) => t.name);
    await this.waitForLeaders(admin, names);
    return names;
  }

  private async waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const { topics: found } = await admin.fetchTopicMetadata({ topics });
        if (found.length === topics.length && found.every((t) => t.partitions.every((p) => p.leader >= 0)))
          return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline)
        throw new KafkaUnavailableError(`topics ${topics.join(', ')} have no leader after ${timeoutMs} ms`);
      await new Promise((done) => setTimeout(done, 100));
    }
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await (await this.getAdmin()).deleteTopics({ topics: [...names] });
  }

  async topicOffsets(topic: string): Promise<{ partition: number; low: string; high: string }[]> {
    const offsets = await (await this.getAdmin()).fetchTopicOffsets(topic);
    return offsets
      .map((o) => ({ partition: o.partition, low: o.low, high: o.high }))
      .sort((a, b) => a.partition - b.partition);
  }

  async committedOffsets(groupId: string, topic: string): Promise<{ partition: number; offset: string }[]> {
    const [result] = await (await this.getAdmin()).fetchOffsets({ groupId, topics: [topic] });
    return (result?.partitions ?? [])
      .map((p) => ({ partition: p.partition, offset: p.offset }))
      .sort((a, b) => a.partition - b.partition);
  }

  async readPartitions(
    topic: string,
    partitions: readonly { partition: number; from: string }[],
  ): Promise<ConsumedRecord[]> {
    const offsets = await this.topicOffsets(topic);
    const until = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    const wanted = partitions.filter((p) => (until.get(p.partition) ?? 0n) > BigInt(p.from));
    if (wanted.length === 0) return [];
    const remaining = new Set(wanted.map((p) => p.partition));
    const records: ConsumedRecord[] = [];
    // kafkajs cannot fetch without a group: a throwaway one, which commits nothing. It hands out no
    // empty batches, so a partition whose tail is transaction markers ends by a quiet second instead:
    // the kafkajs adapter runs one instance, whose producer has aborted its predecessor's transaction
    // before any restore, so nothing pending can arrive later.
    const consumer = this.kafka.consumer({
      groupId: `${topic}.reader.${randomBytes(6).toString('hex')}`,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      let lastProgress = Date.now();
      let joined = false;
      consumer.on(consumer.events.GROUP_JOIN, () => {
        joined = true;
        lastProgress = Date.now();
      });
      await consumer.run({
        autoCommit: false,
        // eslint-disable-next-line @typescript-eslint/require-await -- kafkajs wants a promise
        eachBatch: async ({ batch }) => {
          if (!remaining.has(batch.partition)) return;
          lastProgress = Date.now();
          const end = until.get(batch.partition) ?? 0n;
          for (const m of batch.messages) {
            const offset = BigInt(m.offset);
            if (offset < end) records.push(toRecord(m, topic, batch.partition));
            if (offset + 1n >= end) remaining.delete(batch.partition);
          }
        },
      });
      for (const p of wanted) consumer.seek({ topic, partition: p.partition, offset: p.from });
      const deadline = Date.now() + 120_000;
      while (remaining.size > 0 && !(joined && Date.now() - lastProgress > 1000)) {
        if (Date.now() > deadline)
          throw new KafkaUnavailableError(`reading ${topic} did not finish in 120 s`);
        await new Promise((done) => setTimeout(done, 50));
      }
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
    return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  }

  async stableOffsets(topic: string): Promise<{ partition: number; offset: string }[]> {
    // kafkajs lists offsets read_committed (isolation level 1) by default: the last stable offsets.
    const offsets = await (await this.getAdmin()).fetchTopicOffsets(topic);
    return offsets
      .map((o) => ({ partition: o.partition, offset: o.offset }))
      .sort((a, b) => a.partition - b.partition);
  }

  /**
   * Not offered on kafkajs: it cannot decode lz4, the gateway's default compression of outboxes, and
   * its consumer cannot stop a read at a given offset. Choose KYODO_KAFKA_CLIENT=platformatic.
   */
  readRange(): Promise<RangeRead> {
    return Promise.reject(
      new Error(
        'reading an outbox range (the HTTP mailbox) needs the platformatic Kafka client: kafkajs cannot ' +
          'decode lz4-compressed outboxes; set KYODO_KAFKA_CLIENT=platformatic',
      ),
    );
  }

  async commitGroupOffsets(
    groupId: string,
    topic: string,
    offsets: readonly { partition: number; offset: string }[],
  ): Promise<void> {
    if (offsets.length === 0) return;
    await (await this.getAdmin()).setOffsets({ groupId, topic, partitions: [...offsets] });
  }

  async describeGroup(groupId: string): Promise<ConsumerGroupDescription> {
    return describeKafkaJsGroup(await this.getAdmin(), groupId);
  }

  createTransactionalPipeline(options: TransactionalPipelineOptions): TransactionalPipeline {
    const pipeline = new KafkaJsTransactionalPipeline(this.kafka, options, this.options.logger);
    const close = () => pipeline.stop();
    this.closers.add(close);
    return pipeline;
  }

  async createConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
    const running = new SelfHealingConsumer(this.kafka, options, this.options.logger);
    await running.start();
    const stop = async () => {
      this.closers.delete(stop);
      await running.stop();
    };
    this.closers.add(stop);
    return { stop, status: () => running.status() };
  }

  async createProducer(options: { idempotent?: boolean } = {}): Promise<Producer> {
    const producer = this.kafka.producer({
      idempotent: options.idempotent ?? true,
      createPartitioner: Partitioners.DefaultPartitioner,
      maxInFlightRequests: options.idempotent === false ? undefined : 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    const disconnect = async () => {
      this.closers.delete(disconnect);
      await producer.disconnect();
    };
    this.closers.add(disconnect);
    return {
      send: async (records) => {
        for (const topicMessages of toRounds(records, toMessage))
          await producer.sendBatch({ acks: -1, topicMessages });
      },
      disconnect,
    };
  }

  sendInTransaction(transactionalId: string, records: readonly ProducedRecord[]): Promise<void> {
    return sendInTransaction(this.kafka, transactionalId, records);
  }

  async close(): Promise<void> {
    for (const close of [...this.closers]) await close().catch(() => undefined);
    this.closers.clear();
    if (this.admin) await this.admin.disconnect().catch(() => undefined);
    this.admin = undefined;
  }
}
