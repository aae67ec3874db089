import {
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type KafkaMessage,
  type LogEntry,
  type Producer as KafkaJsProducer,
} from 'kafkajs';
import type {
  BatchProcessor,
  ConsumedRecord,
  ConsumerOptions,
  KafkaPort,
  ProducedRecord,
  Producer,
  RecordBatch,
  RunningConsumer,
  TopicSpec,
  TransactionalPipeline,
  TransactionalPipelineOptions,
} from './port';
import { KafkaUnavailableError } from './port';

export interface KafkaLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface KafkaJsClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger?: KafkaLogger;
  /** Replication factor for created topics; 1 on a single-node cluster. */
  readonly replicationFactor?: number;
  readonly defaultPartitions?: number;
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

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return out;
}

function toRecord(message: KafkaMessage): ConsumedRecord {
  return {
    key: message.key,
    value: message.value,
    offset: message.offset,
    timestamp: message.timestamp,
    headers: message.headers ? headersOf(message.headers) : {},
  };
}

type OutMessage = { key: string | null; value: string | Buffer; headers?: Record<string, string> };

/**
 * kafkajs writes all of a request's messages for one partition as a single record batch, and the broker
 * refuses a batch larger than the topic's max.message.bytes (1 MiB by default). So the records are sent
 * in chunks of at most CHUNK_BYTES per topic.
 */
const CHUNK_BYTES = 512 * 1024;

/** Groups records into send rounds: each round holds at most one chunk per topic, sent in one request. */
function toRounds(records: readonly ProducedRecord[]): { topic: string; messages: OutMessage[] }[][] {
  const state = new Map<string, { round: number; bytes: number; messages: OutMessage[] }>();
  const rounds: { topic: string; messages: OutMessage[] }[][] = [];
  for (const r of records) {
    const size =
      (typeof r.value === 'string' ? r.value.length : r.value.byteLength) + (r.key?.length ?? 0) + 64;
    let chunk = state.get(r.topic);
    if (!chunk || (chunk.bytes + size > CHUNK_BYTES && chunk.messages.length > 0)) {
      const round = chunk ? chunk.round + 1 : 0;
      chunk = { round, bytes: 0, messages: [] };
      state.set(r.topic, chunk);
      (rounds[round] ??= []).push({ topic: r.topic, messages: chunk.messages });
    }
    chunk.messages.push(
      r.headers ? { key: r.key, value: r.value, headers: { ...r.headers } } : { key: r.key, value: r.value },
    );
    chunk.bytes += size;
  }
  return rounds;
}

/**
 * kafkajs restarts a crashed consumer only for retriable errors. A failed batch must be retried from
 * its last committed offset (nothing was committed), never abandoned, so every failure is retriable here.
 */
function retriable(error: unknown): Error {
  const wrapped = error instanceof Error ? error : new Error(String(error));
  (wrapped as Error & { retriable: boolean }).retriable = true;
  return wrapped;
}

/** The kafkajs implementation of the Kafka port. */
export class KafkaJsClient implements KafkaPort {
  private readonly kafka: Kafka;
  private admin: Admin | undefined;
  private readonly closers = new Set<() => Promise<void>>();

  constructor(private readonly options: KafkaJsClientOptions) {
    const log = options.logger;
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
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

  async ping(timeoutMs = 5000): Promise<{ brokers: number; controllerId: number | null }> {
    const probe = new Kafka({
      clientId: `${this.options.clientId}-ping`,
      brokers: [...this.options.brokers],
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
      waitForLeaders: true,
      topics: missing.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions ?? this.options.defaultPartitions ?? 3,
        replicationFactor: this.options.replicationFactor ?? 1,
        configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
    return missing.map((t) => t.name);
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

  createTransactionalPipeline(options: TransactionalPipelineOptions): TransactionalPipeline {
    const pipeline = new KafkaJsTransactionalPipeline(this.kafka, options);
    const close = () => pipeline.stop();
    this.closers.add(close);
    return pipeline;
  }

  async createConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      readUncommitted: options.readCommitted === false,
      allowAutoTopicCreation: false,
      // Dead letters keep oversized originals: fetch enough to always make progress past one.
      maxBytesPerPartition: 10 * 1024 * 1024,
      maxBytes: 50 * 1024 * 1024,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload: EachBatchPayload) => {
        const { batch } = payload;
        if (batch.messages.length === 0) return;
        const next = (BigInt(batch.lastOffset()) + 1n).toString();
        await options.handle({
          topic: batch.topic,
          partition: batch.partition,
          records: batch.messages.map(toRecord),
          highWatermark: batch.highWatermark,
          commit: async () => {
            payload.resolveOffset(batch.lastOffset());
            await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
          },
        });
        await payload.heartbeat();
      },
    });
    const stop = async () => {
      this.closers.delete(stop);
      await consumer.disconnect();
    };
    this.closers.add(stop);
    return { stop };
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
        for (const topicMessages of toRounds(records)) await producer.sendBatch({ acks: -1, topicMessages });
      },
      disconnect,
    };
  }

  async close(): Promise<void> {
    for (const close of [...this.closers]) await close().catch(() => undefined);
    this.closers.clear();
    if (this.admin) await this.admin.disconnect().catch(() => undefined);
    this.admin = undefined;
  }
}

/**
 * Consume → process → produce, exactly once: every batch's output records and its consumed offsets
 * are committed in one Kafka transaction, so `read_committed` readers see each input's outputs once.
 * A failed batch aborts its transaction and the consumer resumes from the last committed offset.
 */
class KafkaJsTransactionalPipeline implements TransactionalPipeline {
  private consumer: Consumer | undefined;
  private producer: KafkaJsProducer | undefined;
  private current: readonly string[];
  private stopping = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: TransactionalPipelineOptions,
  ) {
    this.current = options.topics;
  }

  get topics(): readonly string[] {
    return this.current;
  }

  async start(): Promise<void> {
    this.stopping = false;
    if (!this.producer) {
      const producer = this.kafka.producer({
        transactionalId: this.options.transactionalId,
        createPartitioner: Partitioners.DefaultPartitioner,
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Back off briefly on CONCURRENT_TRANSACTIONS (the previous commit's markers being written).
        retry: { initialRetryTime: 10, maxRetryTime: 1000, retries: 15 },
      });
      await producer.connect();
      this.producer = producer;
    }
    if (this.current.length === 0) return;
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxWaitTimeInMs: 100,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.current], fromBeginning: true });
    const producer = this.producer;
    const process: BatchProcessor = this.options.process;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async (payload) => {
        const { batch } = payload;
        if (batch.messages.length === 0) return;
        const started = performance.now();
        const records: RecordBatch = {
          topic: batch.topic,
          partition: batch.partition,
          records: batch.messages.map(toRecord),
        };
        const produced = await Promise.resolve(process(records)).catch((error: unknown) => {
          throw retriable(error);
        });
        const transaction = await producer.transaction();
        try {
          for (const topicMessages of toRounds(produced))
            await transaction.sendBatch({ acks: -1, topicMessages });
          await transaction.sendOffsets({
            consumerGroupId: this.options.groupId,
            topics: [
              {
                topic: batch.topic,
                partitions: [
                  { partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() },
                ],
              },
            ],
          });
          await transaction.commit();
        } catch (error) {
          await transaction.abort().catch(() => undefined);
          throw retriable(error);
        }
        payload.resolveOffset(batch.lastOffset());
        this.options.onCommitted?.(records, produced.length, (performance.now() - started) / 1000);
        await payload.heartbeat();
      },
    });
    this.consumer = consumer;
  }

  async resubscribe(topics: readonly string[]): Promise<void> {
    if (this.stopping) return;
    await this.stopConsumer();
    this.current = topics;
    await this.start();
  }

  private async stopConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    // kafkajs' disconnect waits for the batch in flight to finish (and so for its transaction to commit).
    if (consumer) await consumer.disconnect();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.stopConsumer();
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.disconnect();
  }
}
