import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { KafkaLogger } from '../logger';
import type { ConsumerOptions, ConsumerStatus } from '../port';
import { toRecord } from './records';
import { Restartable, retriable } from './restartable';

/** A committing consumer (the audit writer, readers): the handler decides when a batch is committed. */
export class SelfHealingConsumer extends Restartable {
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

  status(): ConsumerStatus {
    return {
      state: this.stopping ? 'stopped' : this.recoveryQueued ? 'recovering' : 'running',
      consecutiveFailures: this.failures,
      lastError: this.lastError,
    };
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
