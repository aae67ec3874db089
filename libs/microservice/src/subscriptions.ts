import type {
  ConsumerOptions,
  RunningConsumer,
  TransactionalPipeline,
  TransactionalPipelineOptions,
} from '@kyodo/kafka';

/** What a service declares for a pattern; the transport hosts it and dispatches batches to the handler. */
interface Hooks<Handle> {
  /** Receives the pipeline or consumer before its first batch (for its status, assignment, topics). */
  readonly attach?: (handle: Handle) => void;
  /** Once consuming. */
  readonly started?: () => void | Promise<void>;
  /** Before the transport stops it: timers and re-subscriptions end here. */
  readonly stopping?: () => void | Promise<void>;
}

/**
 * A consume-transform-produce pipeline: the handler returns the batch's outputs, committed in one
 * Kafka transaction with the batch's offsets.
 */
export interface TransactionalSubscription extends Hooks<TransactionalPipeline> {
  readonly kind: 'transactional';
  readonly options: Omit<TransactionalPipelineOptions, 'process'>;
}

/** A committing consumer: the handler makes the batch durable elsewhere, then calls `batch.commit()`. */
export interface CommittingSubscription extends Hooks<RunningConsumer> {
  readonly kind: 'committing';
  readonly options: Omit<ConsumerOptions, 'handle'>;
}

export type Subscription = TransactionalSubscription | CommittingSubscription;

/**
 * Which pattern consumes what. Services declare their subscription at bootstrap (when they know their
 * topics and transactional id); the transport reads them when it starts listening.
 */
export class KafkaSubscriptions {
  private readonly byPattern = new Map<string, Subscription>();

  transactional(pattern: string, subscription: Omit<TransactionalSubscription, 'kind'>): void {
    this.add(pattern, { kind: 'transactional', ...subscription });
  }

  committing(pattern: string, subscription: Omit<CommittingSubscription, 'kind'>): void {
    this.add(pattern, { kind: 'committing', ...subscription });
  }

  entries(): [string, Subscription][] {
    return [...this.byPattern];
  }

  private add(pattern: string, subscription: Subscription): void {
    if (this.byPattern.has(pattern)) throw new Error(`${pattern} is subscribed twice`);
    this.byPattern.set(pattern, subscription);
  }
}
