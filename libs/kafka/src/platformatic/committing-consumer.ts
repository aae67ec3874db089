import './node20';
import { Consumer, FetchIsolationLevels, type Message, type MessagesStream } from '@platformatic/kafka';
import type { ConsumerOptions, ConsumerStatus } from '../port';
import { baseOptions, stopConsuming, type PlatformaticClientOptions } from './options';
import { toConsumed } from './records';

const RECOVERY_BACKOFF_MS = [500, 1000, 2000, 5000, 10_000, 30_000];
const MAX_BATCH = 2000;

/**
 * A committing consumer (the audit writer, readers): batches per partition, in offset order; the
 * handler decides when a batch is committed. A handler that throws restarts the consumer from the
 * committed offsets with back-off, so a failed batch is retried, never skipped.
 */
export class CommittingConsumer {
  private consumer: Consumer | undefined;
  private stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  private buffer: Message[] = [];
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private stopping = false;
  private failures = 0;
  private lastError: string | null = null;
  /** A reader that never commits starts from the beginning after a restart: skip what it handed out. */
  private readonly seen = new Map<string, bigint>();

  constructor(
    private readonly client: PlatformaticClientOptions,
    private readonly options: ConsumerOptions,
  ) {}

  status(): ConsumerStatus {
    return {
      state: this.stopping ? 'stopped' : this.restarting ? 'recovering' : 'running',
      consecutiveFailures: this.failures,
      lastError: this.lastError,
    };
  }

  async start(): Promise<void> {
    const consumer = new Consumer({
      ...baseOptions(this.client, `${this.client.clientId}-consumer`),
      groupId: this.options.groupId,
      isolationLevel:
        this.options.readCommitted === false
          ? FetchIsolationLevels.READ_UNCOMMITTED
          : FetchIsolationLevels.READ_COMMITTED,
      autocommit: false,
      sessionTimeout: 30_000,
      heartbeatInterval: 1000,
      maxWaitTime: 200,
      // Dead letters keep oversized originals: fetch enough to always make progress past one.
      maxBytesPerPartition: 10 * 1024 * 1024,
    });
    try {
      const stream = await consumer.consume({
        topics: [...this.options.topics],
        mode: 'committed',
        fallbackMode: this.options.fromBeginning === false ? 'latest' : 'earliest',
        autocommit: false,
        highWaterMark: 1024,
      });
      // The library emits 'error' when a rejoin fails for good; unheard, Node.js would end the process.
      consumer.on('error', (error: Error) => {
        if (this.consumer === consumer && !this.stopping) void this.restart(error);
      });
      this.consumer = consumer;
      this.stream = stream;
      this.buffer = [];
      stream.on('data', (message: Message) => {
        if (this.stream !== stream) return;
        this.buffer.push(message);
        if (this.buffer.length >= MAX_BATCH * 2) stream.pause();
        this.wake?.();
      });
      stream.on('error', (error: Error) => {
        if (this.stream === stream && !this.stopping) void this.restart(error);
      });
      this.loop = this.run(consumer);
    } catch (error) {
      await consumer.close(true).catch(() => undefined);
      throw error;
    }
  }

  private async run(consumer: Consumer): Promise<void> {
    const commitOffsets = this.options.commitOffsets ?? true;
    while (this.consumer === consumer && !this.stopping) {
      if (this.buffer.length === 0) {
        await new Promise<void>((done) => {
          const timer = setTimeout(done, 200);
          this.wake = () => {
            clearTimeout(timer);
            done();
          };
        });
        this.wake = undefined;
        continue;
      }
      const taken = this.buffer.splice(0, MAX_BATCH);
      if (this.buffer.length < MAX_BATCH && this.stream?.isPaused()) this.stream.resume();
      try {
        for (const [position, messages] of byPartition(taken)) {
          const last = messages[messages.length - 1];
          let fresh = messages;
          if (!commitOffsets) {
            const seen = this.seen.get(position);
            if (seen !== undefined) fresh = messages.filter((m) => m.offset > seen);
            this.seen.set(position, last.offset);
            if (fresh.length === 0) continue;
          }
          await this.options.handle({
            topic: last.topic,
            partition: last.partition,
            records: fresh.map(toConsumed),
            commit: async () => {
              if (!commitOffsets) return;
              await consumer.commit({
                offsets: [
                  {
                    topic: last.topic,
                    partition: last.partition,
                    offset: last.offset + 1n,
                    leaderEpoch: last.leaderEpoch,
                  },
                ],
              });
            },
          });
        }
        this.failures = 0;
        this.lastError = null;
      } catch (error) {
        if (!this.stopping) void this.restart(error);
        return;
      }
    }
  }

  private restarting = false;

  /** Closes and reopens from the committed offsets, with back-off, until it holds. */
  private async restart(error: unknown): Promise<void> {
    if (this.restarting || this.stopping) return;
    this.restarting = true;
    try {
      let cause = error;
      while (!this.stopping) {
        const delay = RECOVERY_BACKOFF_MS[Math.min(this.failures, RECOVERY_BACKOFF_MS.length - 1)];
        this.failures += 1;
        this.lastError = cause instanceof Error ? cause.message : String(cause);
        this.client.logger?.error(
          { groupId: this.options.groupId, err: cause, retryInMs: delay },
          'Kafka consumer failed; restarting',
        );
        await this.close();
        await new Promise<void>((done) => {
          const timer = setTimeout(done, delay);
          this.wake = () => {
            clearTimeout(timer);
            done();
          };
        });
        if (this.stopping) return;
        try {
          await this.start();
          return;
        } catch (failure) {
          cause = failure;
        }
      }
    } finally {
      this.restarting = false;
    }
  }

  private async close(): Promise<void> {
    const consumer = this.consumer;
    const stream = this.stream;
    const loop = this.loop;
    this.consumer = undefined;
    this.stream = undefined;
    this.loop = undefined;
    this.wake?.();
    await loop?.catch(() => undefined);
    this.buffer = [];
    await stopConsuming(stream, consumer);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.close();
  }
}

function byPartition(messages: readonly Message[]): Map<string, Message[]> {
  const out = new Map<string, Message[]>();
  for (const m of messages) {
    const key = `${m.topic}:${m.partition}`;
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    list.push(m);
  }
  return out;
}
