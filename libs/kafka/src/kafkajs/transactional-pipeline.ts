import { Partitioners, type Consumer, type Kafka, type Producer as KafkaJsProducer } from 'kafkajs';
import { toRounds } from '../chunking';
import type { KafkaLogger } from '../logger';
import type {
  PipelineBatch,
  PipelineStatus,
  TopicPartition,
  TransactionalPipeline,
  TransactionalPipelineOptions,
} from '../port';
import { toMessage, toRecord } from './records';
import { Restartable, notRetriable, retriable } from './restartable';

/**
 * Consume → process → produce, exactly once: every batch's output records and its consumed offsets
 * are committed in one Kafka transaction, so `read_committed` readers see each input's outputs once.
 * A failed batch aborts its transaction and the consumer resumes from the last committed offset; a
 * producer whose commit or abort failed is replaced before the next batch (a new producer with the same
 * transactional id aborts whatever the old one left open).
 */
export class KafkaJsTransactionalPipeline extends Restartable implements TransactionalPipeline {
  private producer: KafkaJsProducer | undefined;
  private current: readonly string[];
  /** Counts this instance's group joins: a new value means the assignment may have changed. */
  private generation = 0;
  private assigned: TopicPartition[] = [];
  private lastCommitAt: number | null = null;

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

  assignment(): readonly TopicPartition[] {
    return this.assigned;
  }

  status(): PipelineStatus {
    return {
      state: this.stopping
        ? 'stopping'
        : this.recoveryQueued
          ? 'recovering'
          : this.consumer || this.current.length === 0
            ? 'running'
            : 'starting',
      lastCommitAt: this.lastCommitAt,
      consecutiveFailures: this.failures,
      lastError: this.lastError,
      generation: this.generation,
    };
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
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxWaitTimeInMs: 100,
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.generation += 1;
      this.assigned = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => ({ topic, partition })),
      );
    });
    return consumer;
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
        const records: PipelineBatch = {
          records: batch.messages.map((m) => toRecord(m, batch.topic, batch.partition)),
          generation: this.generation,
        };
        try {
          const produced = await this.options.process(records);
          const producer = await this.ensureProducer();
          const transaction = await producer.transaction();
          try {
            for (const topicMessages of toRounds(produced, toMessage))
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
            this.options.onAborted?.(
              records,
              error instanceof Error ? error : new Error(String(error)),
              'failed',
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
          this.lastCommitAt = Date.now();
          this.lastError = null;
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
