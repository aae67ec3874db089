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
import { kafkaJsSecurity } from './kafkajs-security';

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

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

function headersOf(headers: IHeaders | undefined): Readonly<Record<string, string>> {
  if (!headers) return NO_HEADERS;
  const names = Object.keys(headers);
  if (names.length === 0) return NO_HEADERS;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return out;
}

/** One allocation per record: it carries its topic and partition, so callers need not copy it. */
function toRecord(message: KafkaMessage, topic: string, partition: number): ConsumedRecord {
  return {
    topic,
    partition,
    key: message.key,
    value: message.value,
    offset: message.offset,
    timestamp: message.timestamp,
    headers: headersOf(message.headers),
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
  if ((wrapped as Error & { kyodoRestart?: boolean }).kyodoRestart) return wrapped;
  (wrapped as Error & { retriable: boolean }).retriable = true;
  return wrapped;
}

/** An error kafkajs will not retry in place: the consumer crashes and is restarted from scratch. */
function notRetriable(error: unknown): Error {
  const wrapped = error instanceof Error ? error : new Error(String(error));
  (wrapped as Error & { retriable: boolean; kyodoRestart: boolean }).retriable = false;
  (wrapped as Error & { kyodoRestart: boolean }).kyodoRestart = true;
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

const RECOVERY_BACKOFF_MS = [500, 1000, 2000, 5000, 10_000, 30_000];

/**
 * kafkajs restarts a crashed consumer by itself only after a retriable error. These consumers restart
 * after any crash (with back-off), so that no failure leaves a partition unconsumed while the process
 * looks alive. Every lifecycle step (start, re-subscribe, recovery, stop) runs one at a time, so two
 * consumers of the same group never run side by side.
 */
abstract class Restartable {
  protected consumer: Consumer | undefined;
  protected stopping = false;
  private failures = 0;
  private lifecycle: Promise<unknown> = Promise.resolve();
  private recoveryQueued = false;
  private wake: (() => void) | undefined;

  constructor(
    protected readonly kafka: Kafka,
    protected readonly logger: KafkaLogger | undefined,
  ) {}

  protected abstract run(consumer: Consumer): Promise<void>;
  protected abstract newConsumer(): Consumer;
  protected abstract describe(): object;

  /** Runs `step` after every lifecycle step queued before it. */
  protected serialize<T>(step: () => Promise<T>): Promise<T> {
    const result = this.lifecycle.then(step, step);
    this.lifecycle = result.catch(() => undefined);
    return result;
  }

  /** Creates, connects and runs a consumer; fails if it crashes while joining. */
  protected async startConsumer(): Promise<void> {
    const consumer = this.newConsumer();
    let crashed: Error | undefined;
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload as { error: Error; restart: boolean };
      if (restart) return;
      crashed = error;
      if (this.consumer === consumer) this.recover(error);
    });
    try {
      await consumer.connect();
      await this.run(consumer);
      // kafkajs reports a failed join as a crash and still returns from run().
      if (crashed) throw crashed;
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    this.consumer = consumer;
  }

  protected noteSuccess(): void {
    this.failures = 0;
  }

  protected async stopConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    // kafkajs' disconnect waits for the batch in flight to finish.
    if (consumer) await consumer.disconnect();
  }

  /** Restarts (new producer, rejoin from the group's committed offsets), retried with back-off until it holds. */
  protected recover(error: Error): void {
    if (this.stopping || this.recoveryQueued) return;
    this.recoveryQueued = true;
    void this.serialize(async () => {
      let cause = error;
      try {
        while (!this.stopping) {
          const delay = RECOVERY_BACKOFF_MS[Math.min(this.failures, RECOVERY_BACKOFF_MS.length - 1)];
          this.failures += 1;
          this.logger?.error(
            { ...this.describe(), err: cause, retryInMs: delay },
            'Kafka consumer crashed; restarting',
          );
          await new Promise<void>((done) => {
            const timer = setTimeout(done, delay);
            this.wake = () => {
              clearTimeout(timer);
              done();
            };
          });
          this.wake = undefined;
          if (this.stopping) return;
          try {
            await this.stopConsumer().catch(() => undefined);
            await this.beforeRestart();
            await this.startConsumer();
            this.failures = 0;
            return;
          } catch (failure) {
            cause = failure instanceof Error ? failure : new Error(String(failure));
          }
        }
      } finally {
        this.recoveryQueued = false;
      }
    });
  }

  protected async beforeRestart(): Promise<void> {}

  /** Stops for good: a recovery waiting out its back-off gives up at once. */
  protected async shutdown(after: () => Promise<void> = async () => {}): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.serialize(async () => {
      await this.stopConsumer();
      await after();
    });
  }
}

/** A committing consumer (the audit writer, readers): the handler decides when a batch is committed. */
class SelfHealingConsumer extends Restartable {
  private readonly seen = new Map<string, bigint>();
  constructor(
    kafka: Kafka,
    private readonly options: ConsumerOptions,
    logger: KafkaLogger | undefined,
  ) {
    super(kafka, logger);
  }

  async start(): Promise<void> {
    await this.serialize(() => this.startConsumer());
  }

  async stop(): Promise<void> {
    await this.shutdown();
  }

  protected describe(): object {
    return { groupId: this.options.groupId };
  }

  protected newConsumer(): Consumer {
    return this.kafka.consumer({
      groupId: this.options.groupId,
      readUncommitted: this.options.readCommitted === false,
      allowAutoTopicCreation: false,
      // Dead letters keep oversized originals: fetch enough to always make progress past one.
      maxBytesPerPartition: 10 * 1024 * 1024,
      maxBytes: 50 * 1024 * 1024,
    });
  }

  protected async run(consumer: Consumer): Promise<void> {
    const options = this.options;
    const commitOffsets = options.commitOffsets ?? true;
    // A reader that never commits starts from the beginning again after a restart: skip what it saw.
    const seen = this.seen;
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload: EachBatchPayload) => {
        const { batch } = payload;
        if (batch.messages.length === 0) return;
        const next = (BigInt(batch.lastOffset()) + 1n).toString();
        let messages = batch.messages;
        if (!commitOffsets) {
          const position = `${batch.topic}/${batch.partition}`;
          const last = seen.get(position);
          if (last !== undefined) messages = messages.filter((m) => BigInt(m.offset) > last);
          seen.set(position, BigInt(batch.lastOffset()));
          if (messages.length === 0) {
            payload.resolveOffset(batch.lastOffset());
            return;
          }
        }
        try {
          await options.handle({
            topic: batch.topic,
            partition: batch.partition,
            records: messages.map((m) => toRecord(m, batch.topic, batch.partition)),
            highWatermark: batch.highWatermark,
            commit: async () => {
              payload.resolveOffset(batch.lastOffset());
              if (commitOffsets)
                await consumer.commitOffsets([
                  { topic: batch.topic, partition: batch.partition, offset: next },
                ]);
            },
          });
          if (!commitOffsets) payload.resolveOffset(batch.lastOffset());
        } catch (error) {
          throw retriable(error);
        }
        this.noteSuccess();
        await payload.heartbeat();
      },
    });
  }
}

/**
 * Consume → process → produce, exactly once: every batch's output records and its consumed offsets
 * are committed in one Kafka transaction, so `read_committed` readers see each input's outputs once.
 * A failed batch aborts its transaction and the consumer resumes from the last committed offset; a
 * producer whose commit or abort failed is replaced before the next batch (a new producer with the same
 * transactional id aborts whatever the old one left open).
 */
class KafkaJsTransactionalPipeline extends Restartable implements TransactionalPipeline {
  private producer: KafkaJsProducer | undefined;
  private current: readonly string[];

  constructor(
    kafka: Kafka,
    private readonly options: TransactionalPipelineOptions,
    logger: KafkaLogger | undefined,
  ) {
    super(kafka, logger);
    this.current = options.topics;
  }

  get topics(): readonly string[] {
    return this.current;
  }

  async start(): Promise<void> {
    await this.serialize(async () => {
      if (this.stopping) return;
      await this.ensureProducer();
      if (this.current.length > 0) await this.startConsumer();
    });
  }

  private async ensureProducer(): Promise<KafkaJsProducer> {
    if (this.producer) return this.producer;
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
    return producer;
  }

  private async discardProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.disconnect().catch(() => undefined);
  }

  protected override async beforeRestart(): Promise<void> {
    await this.discardProducer();
    await this.ensureProducer();
  }

  protected describe(): object {
    return { groupId: this.options.groupId, transactionalId: this.options.transactionalId };
  }

  protected newConsumer(): Consumer {
    return this.kafka.consumer({
      groupId: this.options.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxWaitTimeInMs: 100,
    });
  }

  protected async run(consumer: Consumer): Promise<void> {
    await consumer.subscribe({ topics: [...this.current], fromBeginning: true });
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
          records: batch.messages.map((m) => toRecord(m, batch.topic, batch.partition)),
        };
        try {
          const produced = await this.options.process(records);
          const producer = await this.ensureProducer();
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
            const aborted = await transaction.abort().then(
              () => true,
              () => false,
            );
            if (!aborted) {
              // The commit's outcome is unknown: retrying this batch in place could commit it twice.
              // Restart instead, with a new producer (which aborts what the old one left open) and
              // a rejoin that resumes from the offsets the group actually committed.
              await this.discardProducer();
              throw notRetriable(error);
            }
            throw error;
          }
          payload.resolveOffset(batch.lastOffset());
          this.noteSuccess();
          this.options.onCommitted?.(records, produced.length, (performance.now() - started) / 1000);
        } catch (error) {
          throw retriable(error);
        }
        await payload.heartbeat();
      },
    });
  }

  /** Replace the consumed topics; on failure the old subscription is restored (with back-off) and the error thrown. */
  async resubscribe(topics: readonly string[]): Promise<void> {
    await this.serialize(async () => {
      if (this.stopping) return;
      const previous = this.current;
      await this.stopConsumer().catch(() => undefined);
      this.current = topics;
      try {
        await this.ensureProducer();
        if (topics.length > 0) await this.startConsumer();
      } catch (error) {
        this.current = previous;
        this.recover(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }
    });
  }

  async stop(): Promise<void> {
    await this.shutdown(() => this.discardProducer());
  }
}
