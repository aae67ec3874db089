/**
 * The narrow surface Kyodo needs from a Kafka client. Only `kafkajs-client.ts` implements it, so the
 * client can be swapped (for a librdkafka binding, say) without touching the gateway or the tests.
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
  readonly key: string | null;
  readonly value: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Turns one consumed batch into the records to publish; they commit together with the batch's offsets. */
export type BatchProcessor = (
  batch: RecordBatch,
) => readonly ProducedRecord[] | Promise<readonly ProducedRecord[]>;

export interface TransactionalPipelineOptions {
  readonly groupId: string;
  /** Stable per instance: a restarted instance fences its predecessor's unfinished transaction. */
  readonly transactionalId: string;
  /** Topics to consume, resolved when the pipeline starts or is re-subscribed. */
  readonly topics: readonly string[];
  readonly process: BatchProcessor;
  /** Called after a batch transaction committed. */
  readonly onCommitted?: (batch: RecordBatch, produced: number, seconds: number) => void;
}

export interface TransactionalPipeline {
  start(): Promise<void>;
  /** Replace the consumed topics (a rejoin; in-flight batch finishes first). */
  resubscribe(topics: readonly string[]): Promise<void>;
  /** Finish the batch in flight, commit it, leave the group, disconnect. */
  stop(): Promise<void>;
  readonly topics: readonly string[];
}

/** A batch handed to a committing consumer; `commit()` stores its offsets once the batch is durable elsewhere. */
export interface CommittableBatch extends RecordBatch {
  readonly highWatermark: string;
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

export interface RunningConsumer {
  stop(): Promise<void>;
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

export interface KafkaPort {
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
