import './node20';
import {
  Admin,
  Consumer,
  FetchIsolationLevels,
  Producer,
  findErrorBy,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import { toRounds } from '../chunking';
import { Lifecycle } from '../lifecycle';
import type {
  PipelineBatch,
  PipelineStatus,
  ProducedRecord,
  TopicPartition,
  TransactionalPipeline,
  TransactionalPipelineOptions,
} from '../port';
import { withClientTransactions } from './client-versions';
import { baseOptions, stopConsuming, type PlatformaticClientOptions } from './options';
import { keyPartitioner } from './partitioner';
import { toConsumed, toProduced } from './records';

/** Inputs per transaction, at most. */
const MAX_BATCH = 1000;
/** Fetched records held in memory before the stream is paused: two batches, one routed as one commits. */
const MAX_BUFFERED = 2 * MAX_BATCH;
/** When fewer than MAX_BATCH records wait, how long to let more arrive before processing. */
const LINGER_MS = 5;
const RECOVERY_BACKOFF_MS = [200, 500, 1000, 2000, 5000, 10_000, 30_000];
/** Session, heartbeat and the transaction timeout, chosen together: a transaction expires before a session does. */
const SESSION_TIMEOUT_MS = 10_000;
const HEARTBEAT_MS = 1000;
const REBALANCE_TIMEOUT_MS = 15_000;
const TRANSACTION_TIMEOUT_MS = 8000;

/** The broker refused a commit because the group moved on: the batch is dropped, not retried. */
const FENCED_BY_GROUP = [
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
  'REBALANCE_IN_PROGRESS',
];
/** The producer itself is dead: another producer with the same transactional id, or a timed-out transaction. */
const PRODUCER_FENCED = [
  'PRODUCER_FENCED',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_TXN_STATE',
  'TRANSACTIONAL_ID_NOT_FOUND',
];

export function errorCode(error: unknown, codes: readonly string[]): string | undefined {
  if (!(error instanceof Error)) return undefined;
  for (const code of codes) if (findErrorBy(error, 'apiId', code)) return code;
  return undefined;
}

function keyOf(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/**
 * Consume → process → produce, exactly once, fenced by the consumer group (KIP-447). Every batch's
 * outputs and its consumed offsets commit in one Kafka transaction; the offsets go with the group
 * generation and member id they were fetched under, so an instance that lost its partitions (a
 * rebalance, a pause past its session) has its commit refused and drops the batch.
 *
 * After every generation change the pipeline opens a fresh stream from the group's committed offsets
 * and reads the stable committed offsets (requireStable: it waits for a predecessor's open transaction
 * to end), skipping what a predecessor already committed. A failure other than fencing aborts, drops
 * everything fetched and restarts from the committed offsets with back-off.
 */
export class PlatformaticTransactionalPipeline implements TransactionalPipeline {
  private readonly life = new Lifecycle();
  private current: readonly string[];
  private consumer: Consumer | undefined;
  private stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private buffer: Message[] = [];
  private generation = -1;
  /**
   * Per partition of the current generation's assignment, the next offset to process: the stable
   * committed offset when the generation began, then one past each record handed out. A record below
   * it (one a predecessor committed, or the library fetched again around a rebalance) is skipped, and so
   * is any record of a partition outside the assignment, whatever generation the library stamped on it.
   */
  private next = new Map<string, bigint>();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lifecycle: Promise<unknown> = Promise.resolve();
  private lastCommitAt: number | null = null;
  private failures = 0;
  private lastError: string | null = null;

  constructor(
    private readonly client: PlatformaticClientOptions,
    private readonly options: TransactionalPipelineOptions,
  ) {
    this.current = options.topics;
  }

  get topics(): readonly string[] {
    return this.current;
  }

  assignment(): readonly TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const a of this.consumer?.assignments ?? []) {
      for (const partition of a.partitions) out.push({ topic: a.topic, partition });
    }
    return out;
  }

  status(): PipelineStatus {
    return {
      state: this.life.state,
      lastCommitAt: this.lastCommitAt,
      consecutiveFailures: this.failures,
      lastError: this.lastError,
      generation: this.generation,
    };
  }

  /** Runs `step` after every lifecycle step queued before it. */
  private serialize<T>(step: () => Promise<T>): Promise<T> {
    const result = this.lifecycle.then(step, step);
    this.lifecycle = result.catch(() => undefined);
    return result;
  }

  async start(): Promise<void> {
    await this.serialize(async () => {
      if (!this.life.is('idle')) return;
      this.life.to('starting');
      try {
        await this.open();
        this.life.to('running');
      } catch (error) {
        this.noteFailure(error);
        await this.close({ keepProducer: false });
        this.life.to('stopping');
        this.life.to('stopped');
        throw error;
      }
    });
  }

  async resubscribe(topics: readonly string[]): Promise<void> {
    await this.serialize(async () => {
      if (this.life.is('stopping', 'stopped')) return;
      const previous = this.current;
      await this.close({ keepProducer: true });
      this.current = topics;
      if (this.life.is('recovering')) return; // the recovery under way opens with the new topics
      this.life.to('starting');
      try {
        await this.open();
        this.life.to('running');
      } catch (error) {
        this.current = previous;
        this.noteFailure(error);
        this.life.to('recovering');
        this.scheduleRecovery();
        throw error;
      }
    });
  }

  async stop(): Promise<void> {
    if (this.life.is('stopping', 'stopped')) return;
    this.life.to('stopping');
    this.wake?.();
    await this.serialize(async () => {
      await this.close({ keepProducer: false });
      const admin = this.admin;
      this.admin = undefined;
      await admin?.close().catch(() => undefined);
      this.life.to('stopped');
    });
  }

  private noteFailure(error: unknown): void {
    this.failures += 1;
    this.lastError = error instanceof Error ? error.message : String(error);
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', obj: object, msg: string): void {
    this.client.logger?.[level]({ groupId: this.options.groupId, ...obj }, msg);
  }

  private async open(): Promise<void> {
    this.producer ??= await this.fence(this.newProducer());
    if (this.current.length === 0) return;
    const consumer = new Consumer({
      ...baseOptions(this.client, `${this.client.clientId}-gateway`),
      groupId: this.options.groupId,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      autocommit: false,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_MS,
      rebalanceTimeout: REBALANCE_TIMEOUT_MS,
      maxWaitTime: 100,
      // A larger record still arrives whole (the broker always returns at least one batch).
      maxBytesPerPartition: 1024 * 1024,
    });
    // The library emits 'error' when a rejoin fails for good; unheard, Node.js would end the process.
    consumer.on('error', (error: Error) => {
      if (this.consumer !== consumer || this.life.is('stopping', 'stopped')) return;
      this.log('error', { err: error }, 'Kafka consumer failed; restarting');
      this.fail(error);
    });
    this.consumer = consumer;
    this.generation = -1;
    await this.renewStream();
    this.loop = this.runLoop(consumer);
  }

  /**
   * Registers the transactional id with the coordinator before anything is consumed: this aborts
   * whatever a predecessor with the same id left open (a process killed mid-transaction), so the
   * stable offsets and the state read after it need not wait for that transaction to time out.
   */
  private async fence(producer: Producer): Promise<Producer> {
    try {
      // A restarted producer must ask for a new id and epoch (-1/-1); the library's default (0/0) is fenced.
      const transaction = await producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
      await transaction.cancel();
      return producer;
    } catch (error) {
      await producer.close(true).catch(() => undefined);
      throw error;
    }
  }

  private newProducer(): Producer {
    const producer = withClientTransactions(
      new Producer({
        ...baseOptions(this.client, `${this.client.clientId}-gateway-tx`),
        // The library uses its request timeout as the transaction timeout, too.
        timeout: TRANSACTION_TIMEOUT_MS,
        transactionalId: this.options.transactionalId,
        idempotent: true,
        acks: -1,
        partitioner: keyPartitioner,
        compression: this.options.compression ?? 'lz4',
        autocreateTopics: false,
      }),
    );
    return producer;
  }

  /**
   * A fresh stream from the committed offsets, then the old one closed (in that order, so the group
   * sees no change of topics and does not rebalance again). Called at start and after every rebalance.
   */
  private async renewStream(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    const old = this.stream;
    const stream = await consumer.consume({
      topics: [...this.current],
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      maxWaitTime: 100,
      highWaterMark: 1024,
    });
    this.stream = stream;
    // Only now: until the new stream replaced it, the old one was still filling the buffer.
    this.buffer = [];
    stream.on('data', (message: Message) => {
      if (this.stream !== stream) return;
      this.buffer.push(message);
      if (this.buffer.length >= MAX_BUFFERED) stream.pause();
      this.wake?.();
    });
    stream.on('error', (error: Error) => {
      if (this.stream !== stream || this.life.is('stopping', 'stopped')) return;
      this.log('error', { err: error }, 'Kafka stream failed; restarting');
      this.fail(error);
    });
    await stopConsuming(old);
    // Read together, in one tick: the generation and the assignment it goes with.
    this.generation = consumer.generationId;
    const assigned = consumer.assignments ?? [];
    this.next = await this.stableOffsets(assigned);
    this.log('info', { generation: this.generation, partitions: this.next.size }, 'consuming');
  }

  /** The group's committed offsets with requireStable: waits while a transactional commit is pending. */
  private async stableOffsets(
    assigned: readonly { topic: string; partitions: number[] }[],
  ): Promise<Map<string, bigint>> {
    const floor = new Map<string, bigint>();
    for (const a of assigned) for (const p of a.partitions) floor.set(keyOf(a.topic, p), -1n);
    if (assigned.length === 0) return floor;
    this.admin ??= new Admin(baseOptions(this.client, `${this.client.clientId}-gateway-admin`));
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const [group] = await this.admin.listConsumerGroupOffsets({
          groups: [
            {
              groupId: this.options.groupId,
              topics: assigned.map((a) => ({ name: a.topic, partitionIndexes: a.partitions })),
            },
          ],
          requireStable: true,
        });
        for (const t of group?.topics ?? []) {
          for (const p of t.partitions) floor.set(keyOf(t.name, p.partitionIndex), p.committedOffset);
        }
        return floor;
      } catch (error) {
        if (Date.now() > deadline || !errorCode(error, ['UNSTABLE_OFFSET_COMMIT'])) throw error;
        await new Promise((done) => setTimeout(done, 100));
      }
    }
  }

  /** The next batch: up to MAX_BATCH records of the current generation, above the stable offsets. */
  private async nextBatch(consumer: Consumer): Promise<Message[] | undefined> {
    while (this.buffer.length === 0) {
      if (!this.running(consumer)) return undefined;
      if (consumer.generationId !== this.generation) return [];
      await new Promise<void>((done) => {
        const timer = setTimeout(done, 200);
        this.wake = () => {
          clearTimeout(timer);
          done();
        };
      });
      this.wake = undefined;
    }
    if (this.buffer.length < MAX_BATCH) await new Promise((done) => setTimeout(done, LINGER_MS));
    const taken = this.buffer.splice(0, MAX_BATCH);
    if (this.buffer.length < MAX_BUFFERED / 2 && this.stream?.isPaused()) this.stream.resume();
    const batch: Message[] = [];
    for (const message of taken) {
      const fetchedIn = (message.metadata.consumer as { generationId?: number } | undefined)?.generationId;
      if (fetchedIn !== this.generation) continue;
      const key = keyOf(message.topic, message.partition);
      const next = this.next.get(key);
      if (next === undefined || message.offset < next) continue;
      this.next.set(key, message.offset + 1n);
      batch.push(message);
    }
    return batch;
  }

  private running(consumer: Consumer): boolean {
    return this.consumer === consumer && this.life.is('running', 'starting');
  }

  private async runLoop(consumer: Consumer): Promise<void> {
    // Let open() finish and the state become 'running' before the first batch.
    await Promise.resolve();
    /**
     * With `overlap`: the transaction of the previous batch, committing while the next one is processed
     * (true once committed, false when fenced).
     */
    let committing: InFlight | undefined;
    try {
      while (this.consumer === consumer && !this.life.is('stopping', 'stopped', 'recovering')) {
        if (consumer.generationId !== this.generation) {
          if (committing) {
            // Its outcome first: a batch of the old generation may still commit.
            await this.settle(committing);
            committing = undefined;
            continue;
          }
          this.log('info', { from: this.generation, to: consumer.generationId }, 'group rebalanced');
          await this.renewStream();
          continue;
        }
        if (committing && this.buffer.length < MAX_BATCH) {
          // No backlog: a batch taken now would be small, and small transactions cost the broker more
          // than waiting does. Let it grow while the previous one commits.
          await this.settle(committing);
          committing = undefined;
          continue;
        }
        const messages = await this.nextBatch(consumer);
        if (messages === undefined) break;
        if (messages.length === 0) continue;
        const processed = await this.process(messages, committing?.batch).catch(async (error: unknown) => {
          if (committing) await committing.outcome.catch(() => undefined);
          committing = undefined;
          throw error;
        });
        if (committing) {
          const previous = committing;
          committing = undefined;
          if (!(await this.settle(previous, processed))) continue;
        }
        const outcome = this.commit(consumer, processed);
        if (this.options.overlap !== true) {
          await outcome;
          continue;
        }
        // Handled when settled; this only keeps an early failure from counting as unhandled.
        outcome.catch(() => undefined);
        committing = { batch: processed.batch, outcome };
      }
      // Stopping or re-subscribing: the batch in flight finishes and commits.
      if (committing) await this.settle(committing);
    } catch (error) {
      if (this.consumer !== consumer || this.life.is('stopping', 'stopped')) return;
      this.log('error', { err: error }, 'batch failed; restarting from the committed offsets');
      this.fail(error);
    }
  }

  /**
   * Waits for the transaction in flight. True when it committed. When it did not, the batch processed
   * meanwhile (`next`) is dropped too, with the same outcome: it was processed on top of the one that
   * failed (its duplicate memory, its offsets), and the stream restarts below both.
   */
  private async settle(inFlight: InFlight, next?: Processed): Promise<boolean> {
    let committed: boolean;
    try {
      committed = await inFlight.outcome;
    } catch (error) {
      if (next) this.options.onAborted?.(next.batch, asError(error), 'failed');
      throw error;
    }
    if (!committed && next) {
      this.options.onAborted?.(
        next.batch,
        new Error('the batch before it was refused by the group'),
        'fenced',
      );
    }
    return committed;
  }

  private async process(messages: Message[], committing: PipelineBatch | undefined): Promise<Processed> {
    const started = performance.now();
    const batch: PipelineBatch = {
      records: messages.map(toConsumed),
      generation: this.generation,
      ...(committing ? { committing } : {}),
    };
    const produced = await this.options.process(batch);
    // Only for the processor: kept, it would chain every batch to the one before it.
    delete (batch as { committing?: PipelineBatch }).committing;
    return { messages, batch, started, produced };
  }

  /** Commits a processed batch's outputs and offsets in one transaction: true, or false when fenced by the group. */
  private async commit(
    consumer: Consumer,
    { messages, batch, started, produced }: Processed,
  ): Promise<boolean> {
    const producer = (this.producer ??= await this.fence(this.newProducer()));
    const transaction = await producer.beginTransaction();
    try {
      for (const round of toRounds(produced, toProduced)) {
        await transaction.send({ messages: round.flatMap((t) => t.messages) });
      }
      await transaction.addConsumer(consumer);
      // Offsets one at a time: the library merges concurrent calls of one kind.
      for (const last of lastPerPartition(messages)) await transaction.addOffset(last);
      await transaction.commit();
    } catch (error) {
      const aborted = await transaction.abort().then(
        () => true,
        () => false,
      );
      const cause = asError(error);
      const fencedBy = errorCode(error, FENCED_BY_GROUP);
      this.options.onAborted?.(batch, cause, aborted && fencedBy ? 'fenced' : 'failed');
      if (aborted && fencedBy) {
        // The group moved on: another member owns (or will own) these partitions. Drop the batch; the
        // loop opens a fresh stream for the new generation.
        this.log(
          'warn',
          { reason: fencedBy, records: messages.length },
          'commit refused by the group; batch dropped',
        );
        this.generation = -1;
        return false;
      }
      if (!aborted || errorCode(error, PRODUCER_FENCED)) {
        // The commit's outcome is unknown, or the producer is dead: a new producer fences whatever this
        // one left open, and the rejoin resumes from the offsets the group actually committed.
        await this.discardProducer();
      }
      throw error;
    }
    this.log('debug', { generation: batch.generation, offsets: ranges(messages) }, 'batch committed');
    this.lastCommitAt = Date.now();
    this.failures = 0;
    this.lastError = null;
    this.options.onCommitted?.(batch, produced.length, (performance.now() - started) / 1000);
    return true;
  }

  private async discardProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.close(true).catch(() => undefined);
  }

  /** A failure outside fencing: restart from the committed offsets, with back-off. */
  private fail(error: unknown): void {
    if (this.life.is('stopping', 'stopped', 'recovering')) return;
    this.noteFailure(error);
    this.life.to('recovering');
    this.scheduleRecovery();
  }

  private scheduleRecovery(): void {
    void this.serialize(async () => {
      while (this.life.is('recovering')) {
        const delay = RECOVERY_BACKOFF_MS[Math.min(this.failures - 1, RECOVERY_BACKOFF_MS.length - 1)] ?? 200;
        this.log(
          'warn',
          { retryInMs: delay, failures: this.failures, lastError: this.lastError },
          'recovering',
        );
        await this.close({ keepProducer: false });
        await new Promise<void>((done) => {
          const timer = setTimeout(done, delay);
          this.wake = () => {
            clearTimeout(timer);
            done();
          };
        });
        this.wake = undefined;
        if (!this.life.is('recovering')) return;
        this.life.to('starting');
        try {
          await this.open();
          this.life.to('running');
          return;
        } catch (error) {
          this.noteFailure(error);
          this.life.to('recovering');
        }
      }
    });
  }

  /** Stops the loop after its batch in flight, then closes the stream and leaves the group. */
  private async close({ keepProducer }: { keepProducer: boolean }): Promise<void> {
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
    if (!keepProducer) await this.discardProducer();
  }
}

/** A batch processed and not yet committed. */
interface Processed {
  readonly messages: Message[];
  readonly batch: PipelineBatch;
  readonly produced: readonly ProducedRecord[];
  /** performance.now() when its processing began. */
  readonly started: number;
}

/** A batch whose transaction is under way: its outcome is true once committed, false when fenced. */
interface InFlight {
  readonly batch: PipelineBatch;
  readonly outcome: Promise<boolean>;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** First and last offset per partition, for the debug log. */
function ranges(messages: readonly Message[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of messages) {
    const key = keyOf(m.topic, m.partition);
    out[key] = out[key] ? `${out[key].split('-')[0]}-${m.offset}` : `${m.offset}-${m.offset}`;
  }
  return out;
}

/** The last record of each partition in the batch: its offset + 1 is what the transaction commits. */
function lastPerPartition(messages: readonly Message[]): Message[] {
  const last = new Map<string, Message>();
  for (const m of messages) last.set(keyOf(m.topic, m.partition), m);
  return [...last.values()];
}
