import {
  BaseRpcContext,
  Server,
  type CustomTransportStrategy,
  type MessageHandler,
} from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { KafkaPort } from '@kyodo/kafka';
import { KAFKA_PORT_TRANSPORT } from './batch-handler.decorator';
import type { KafkaSubscriptions, Subscription } from './subscriptions';

/** What a batch handler may take as its second argument (`@Ctx()`): the pattern it was called for. */
export class KafkaPortContext extends BaseRpcContext<[string]> {
  getPattern(): string {
    return this.args[0];
  }
}

interface Hosted {
  readonly subscription: Subscription;
  readonly stop: () => Promise<void>;
}

/**
 * A Nest microservice transport over the Kafka port: `listen()` starts, for each declared subscription,
 * a transactional pipeline or a committing consumer whose batches go to the handler registered for its
 * pattern (`@BatchHandler`), and `close()` stops them the graceful way (the batch in flight finishes
 * and commits). Batching and transactions are the port's: the transport adds one handler call per batch.
 *
 *   app.connectMicroservice({ strategy: new KafkaPortTransport(kafka, subscriptions) })
 */
export class KafkaPortTransport extends Server implements CustomTransportStrategy {
  override readonly transportId = KAFKA_PORT_TRANSPORT;
  private hosted: Hosted[] = [];

  constructor(
    private readonly kafka: KafkaPort,
    private readonly subscriptions: KafkaSubscriptions,
  ) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  async close(): Promise<void> {
    const hosted = this.hosted.reverse();
    this.hosted = [];
    let failure: Error | undefined;
    for (const { subscription, stop } of hosted) {
      // Stopped even when its service's hook failed: the batch in flight still finishes and commits.
      for (const step of [subscription.stopping, stop]) {
        try {
          await step?.();
        } catch (error) {
          failure ??= error instanceof Error ? error : new Error(String(error));
        }
      }
    }
    this._status$.next('disconnected');
    if (failure) throw failure;
  }

  /** The Kafka port the transport consumes through. */
  unwrap<T>(): T {
    return this.kafka as T;
  }

  on(): never {
    throw new Error('the Kafka port transport emits no events: see the pipelines’ status() instead');
  }

  private async start(): Promise<void> {
    const declared = this.subscriptions.entries();
    const patterns = new Set(declared.map(([pattern]) => pattern));
    const unsubscribed = [...this.getHandlers().keys()].filter((pattern) => !patterns.has(pattern));
    if (unsubscribed.length > 0) {
      throw new Error(`batch handlers without a subscription: ${unsubscribed.join(', ')}`);
    }
    try {
      for (const [pattern, subscription] of declared) {
        const handler = this.getHandlerByPattern(pattern);
        if (!handler) throw new Error(`no batch handler registered for ${pattern}`);
        this.hosted.push(await this.host(pattern, subscription, handler));
        await subscription.started?.();
      }
    } catch (error) {
      await this.close().catch(() => undefined);
      throw error;
    }
    this._status$.next('connected');
  }

  private async host(pattern: string, subscription: Subscription, handler: MessageHandler): Promise<Hosted> {
    const context = new KafkaPortContext([pattern]);
    switch (subscription.kind) {
      case 'transactional': {
        const pipeline = this.kafka.createTransactionalPipeline({
          ...subscription.options,
          process: (batch) => call(handler, batch, context),
        });
        subscription.attach?.(pipeline);
        await pipeline.start();
        return { subscription, stop: () => pipeline.stop() };
      }
      case 'committing': {
        const consumer = await this.kafka.createConsumer({
          ...subscription.options,
          handle: (batch) => call(handler, batch, context),
        });
        subscription.attach?.(consumer);
        return { subscription, stop: () => consumer.stop() };
      }
    }
  }
}

/**
 * The handler's answer: its value, or what its observable emitted last (a handler behind an
 * interceptor). A failure reaches the pipeline as an Error, which aborts the batch.
 */
async function call<T>(handler: MessageHandler, batch: unknown, context: KafkaPortContext): Promise<T> {
  const result: unknown = await handler(batch, context);
  if (!isObservable(result)) return result as T;
  try {
    return (await lastValueFrom(result, { defaultValue: undefined })) as T;
  } catch (error) {
    throw error instanceof Error ? error : new Error(`batch handler failed: ${JSON.stringify(error)}`);
  }
}
