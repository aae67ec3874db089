/**
 * The narrow surface Kyodo needs from a Kafka client. Two adapters implement it: `platformatic/` on
 * @platformatic/kafka (the default: it fences by consumer group generation, KIP-447) and
 * `kafkajs-client.ts` on kafkajs; `createKafkaClient` chooses.
 */

/**
 * How a client proves itself to the broker and checks the broker's certificate. Both adapters take it;
 * absent means plaintext without authentication (the local development broker).
 */
export interface KafkaSecurity {
  readonly tls?: {
    /** PEM of the CA that signed the broker's certificate. */
    readonly ca?: string;
    /** PEM client certificate and key, for brokers that require them. */
    readonly cert?: string;
    readonly key?: string;
  };
  readonly sasl?: {
    readonly mechanism: 'scram-sha-512' | 'scram-sha-256' | 'plain';
    readonly username: string;
    readonly password: string;
  };
}

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly offset: string;
  readonly timestamp: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface RecordBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ConsumedRecord[];
}

export interface ProducedRecord {
  readonly topic: string;
  /** Chosen by the key (murmur2, as the Java client does) when absent. */
  readonly partition?: number;
  readonly key: string | null;
  readonly value: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * What a transactional pipeline hands its processor: records of one or more partitions, in offset order
 * per partition, all fetched in one consumer group generation.
 */
export interface PipelineBatch {
  readonly records: readonly ConsumedRecord[];
  /**
   * The consumer group generation the records were fetched in. When it changes, the partitions this
   * instance owns may have been processed by another instance in between (see `assignment()`).
   */
  readonly generation: number;
  /**
   * With `overlap`: the batch whose transaction was still under way when this one was handed over. Its
   * callback comes later; whatever the processor holds for any other earlier batch will never commit.
   */
  readonly committing?: PipelineBatch;
}

/** Turns one consumed batch into the records to publish; they commit together with the batch's offsets. */
export type BatchProcessor = (
  batch: PipelineBatch,
) => readonly ProducedRecord[] | Promise<readonly ProducedRecord[]>;

/** Where a pipeline is in its life; see each adapter's transition table. */
export type PipelineState = 'idle' | 'starting' | 'running' | 'recovering' | 'stopping' | 'stopped';

export interface PipelineStatus {
  readonly state: PipelineState;
  /** Epoch milliseconds of the last committed transaction, or null before the first. */
  readonly lastCommitAt: number | null;
  /** Failures since the last commit; a crash-looping pipeline shows a growing number here. */
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
  readonly generation: number;
}

export interface TransactionalPipelineOptions {
  readonly groupId: string;
  /** Stable per instance: a restarted instance fences its predecessor's unfinished transaction. */
  readonly transactionalId: string;
  /** Topics to consume, resolved when the pipeline starts or is re-subscribed. */
  readonly topics: readonly string[];
  readonly process: BatchProcessor;
  /** Called after a batch transaction committed. */
  readonly onCommitted?: (batch: PipelineBatch, produced: number, seconds: number) => void;
  /**
   * Called when a processed batch did not commit: `fenced` when the group had moved on (the batch is
   * dropped; its partitions' new owner processes it), `failed` otherwise (it is processed again).
   */
  readonly onAborted?: (batch: PipelineBatch, error: Error, outcome: 'fenced' | 'failed') => void;
  /** Compression of what the pipeline writes (default lz4 where the adapter supports it). */
  readonly compression?: Compression;
  /**
   * Process the next batch while the previous one's transaction commits (default false). The processor
   * then sees `process` of batch N+1 before the callback of batch N, callbacks stay in batch order, and
   * when N does not commit, N+1 is reported aborted with the same outcome. Adapters that cannot
   * overlap ignore it.
   */
  readonly overlap?: boolean;
}

export type Compression = 'none' | 'gzip' | 'lz4' | 'zstd' | 'snappy';

export interface TransactionalPipeline {
  start(): Promise<void>;
  /** Replace the consumed topics (a rejoin; in-flight batch finishes first). */
  resubscribe(topics: readonly string[]): Promise<void>;
  /** Finish the batch in flight, commit it, leave the group, disconnect. */
  stop(): Promise<void>;
  readonly topics: readonly string[];
  /** The partitions this instance owns in the current generation. */
  assignment(): readonly TopicPartition[];
  status(): PipelineStatus;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A batch handed to a committing consumer; `commit()` stores its offsets once the batch is durable elsewhere. */
export interface CommittableBatch extends RecordBatch {
  commit(): Promise<void>;
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly fromBeginning?: boolean;
  /** Only committed transactional output is read (default true). */
  readonly readCommitted?: boolean;
  /**
   * false: a reader that never commits (reports, reconciliation): batches advance in memory only and
   * `commit()` is a no-op, so no consumer group offsets are left behind. Default true.
   */
  readonly commitOffsets?: boolean;
  readonly handle: (batch: CommittableBatch) => Promise<void>;
}

export interface ConsumerStatus {
  readonly state: 'running' | 'recovering' | 'stopped';
  /** Failed batches (or restarts) since the last handled one. */
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
}

export interface RunningConsumer {
  stop(): Promise<void>;
  status(): ConsumerStatus;
}

export interface Producer {
  send(records: readonly ProducedRecord[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions?: number;
  readonly config?: Readonly<Record<string, string>>;
}

export type KafkaClientKind = 'kafkajs' | 'platformatic';

/** A consumer group as the broker describes it: its state and current members. */
export interface ConsumerGroupDescription {
  readonly groupId: string;
  /** `Stable`, `PreparingRebalance`, `CompletingRebalance`, `Empty`, `Dead`, … as the broker names it. */
  readonly state: string;
  readonly members: readonly {
    readonly memberId: string;
    readonly clientId: string;
    readonly host: string;
    /** Partitions assigned to the member. */
    readonly partitions: number;
  }[];
}

/** One partition's part of a `readRange`: from `from` (inclusive) to `until` (exclusive). */
export interface PartitionRange {
  readonly partition: number;
  readonly from: string;
  readonly until?: string;
}

export interface RangeRead {
  /** In offset order per partition, partitions in ascending order. */
  readonly records: ConsumedRecord[];
  readonly next: readonly { partition: number; offset: string }[];
}

export interface KafkaPort {
  readonly kind: KafkaClientKind;
  /**
   * Whether transactional offset commits carry the consumer group's generation and member id
   * (KIP-447), so that an instance which lost its partitions cannot commit output for them.
   */
  readonly fencesByGeneration: boolean;
  /** Answers once the cluster returns metadata; throws a KafkaUnavailableError otherwise. */
  ping(timeoutMs?: number): Promise<{ brokers: number; controllerId: number | null }>;
  listTopics(): Promise<string[]>;
  /** Creates those missing; existing topics are left as they are. Returns the names created. */
  ensureTopics(topics: readonly TopicSpec[]): Promise<string[]>;
  deleteTopics(names: readonly string[]): Promise<void>;
  /** Offsets per partition: sum of (high - low) is the number of records a topic holds (non-compacted). */
  topicOffsets(topic: string): Promise<{ partition: number; low: string; high: string }[]>;
  /** The offsets a consumer group has committed for a topic, per partition ('-1' where none). */
  committedOffsets(groupId: string, topic: string): Promise<{ partition: number; offset: string }[]>;
  /**
   * Reads the given partitions from `from` up to their high watermark as it is when called
   * (read_committed: waits for transactions open at that moment to end). For state restores.
   */
  readPartitions(
    topic: string,
    partitions: readonly { partition: number; from: string }[],
  ): Promise<ConsumedRecord[]>;
  /**
   * The last stable offset of every partition of `topic` (read_committed's end: below it no transaction is
   * still open), per partition.
   */
  stableOffsets(topic: string): Promise<{ partition: number; offset: string }[]>;
  /**
   * Reads read_committed, per partition, the records in [`from`, `until`) (`until` absent: the last stable
   * offset when called, so an open transaction is never waited for), at most `maxRecords` per partition.
   * `next` says, per partition asked, where a following read begins: after the last record returned when
   * the limit cut the read short, else `until` (past any transaction markers and aborted records).
   */
  readRange(
    topic: string,
    partitions: readonly PartitionRange[],
    options?: { maxRecords?: number },
  ): Promise<RangeRead>;
  /**
   * Commits `offsets` (the next offset to read, per partition) for a consumer group no member has joined:
   * a cursor kept by Kyodo itself (the HTTP mailbox), readable by `committedOffsets` and by the broker's tools.
   */
  commitGroupOffsets(
    groupId: string,
    topic: string,
    offsets: readonly { partition: number; offset: string }[],
  ): Promise<void>;
  /** The group's state and members (`kyodo status`: the gateway instances). Optional for adapters. */
  describeGroup?(groupId: string): Promise<ConsumerGroupDescription>;
  createTransactionalPipeline(options: TransactionalPipelineOptions): TransactionalPipeline;
  createConsumer(options: ConsumerOptions): Promise<RunningConsumer>;
  createProducer(options?: { idempotent?: boolean }): Promise<Producer>;
  /**
   * Publishes `records` in one Kafka transaction of its own, under `transactionalId`: all become
   * visible to `read_committed` readers together, or none does. Resolves once the commit is
   * acknowledged; rejects (after aborting) if any send or the commit fails. Opening the transaction
   * fences any earlier producer with the same id and aborts what it left open, so one id must not be
   * used by two callers at once. A rejection whose commit outcome is unknown may still have committed:
   * callers retry with the same deterministic record ids.
   */
  sendInTransaction(transactionalId: string, records: readonly ProducedRecord[]): Promise<void>;
  close(): Promise<void>;
}

export class KafkaUnavailableError extends Error {
  override readonly name = 'KafkaUnavailableError';
  readonly retriable = true;
}
