import type { Consumer, Kafka } from 'kafkajs';
import type { KafkaLogger } from '../logger';

/**
 * kafkajs restarts a crashed consumer only for retriable errors. A failed batch must be retried from
 * its last committed offset (nothing was committed), never abandoned, so every failure is retriable here.
 */
export function retriable(error: unknown): Error {
  const wrapped = error instanceof Error ? error : new Error(String(error));
  if ((wrapped as Error & { kyodoRestart?: boolean }).kyodoRestart) return wrapped;
  (wrapped as Error & { retriable: boolean }).retriable = true;
  return wrapped;
}

/** An error kafkajs will not retry in place: the consumer crashes and is restarted from scratch. */
export function notRetriable(error: unknown): Error {
  const wrapped = error instanceof Error ? error : new Error(String(error));
  (wrapped as Error & { retriable: boolean; kyodoRestart: boolean }).retriable = false;
  (wrapped as Error & { kyodoRestart: boolean }).kyodoRestart = true;
  return wrapped;
}

const RECOVERY_BACKOFF_MS = [500, 1000, 2000, 5000, 10_000, 30_000];

/**
 * kafkajs restarts a crashed consumer by itself only after a retriable error. These consumers restart
 * after any crash (with back-off), so that no failure leaves a partition unconsumed while the process
 * looks alive. Every lifecycle step (start, re-subscribe, recovery, stop) runs one at a time, so two
 * consumers of the same group never run side by side.
 */
export abstract class Restartable {
  protected consumer: Consumer | undefined;
  protected stopping = false;
  protected failures = 0;
  protected lastError: string | null = null;
  private lifecycle: Promise<unknown> = Promise.resolve();
  protected recoveryQueued = false;
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
          this.lastError = cause.message;
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
