import type { DataSource, QueryRunner } from 'typeorm';
import type { Logger } from '@kyodo/observability';

/** How many slots an instance may take when KYODO_INSTANCE_ID is unset: the most instances per prefix. */
export const MAX_INSTANCES = 64;
const LEASE_NAMESPACE = 'kyodo.gateway';

export class InstanceLeaseError extends Error {
  override readonly name = 'InstanceLeaseError';
}

export interface LeaseOptions {
  readonly topicPrefix: string;
  /** KYODO_INSTANCE_ID: this exact id, or fail. Unset: the lowest free slot. */
  readonly instanceId: string | undefined;
  /**
   * The kafkajs adapter cannot fence a stale instance by group generation, so it may run only one
   * instance per prefix: the lease is then a single slot whatever the id.
   */
  readonly singleInstance: boolean;
  /** How often the lease's connection is checked, and re-taken after PostgreSQL came back. */
  readonly checkEveryMs?: number;
}

/**
 * The gateway instance's id, held by a PostgreSQL advisory lock on a connection of its own for as long
 * as the process lives. It names the transactional producer, so:
 * - two running instances never share one (the second takes the next slot, or refuses to start);
 * - a replacement takes the slot its dead predecessor freed, and its producer fences the
 *   predecessor's open transaction at once instead of leaving read_committed readers waiting for it
 *   to time out.
 * The lock is not what keeps outputs exactly once (the consumer group generation does, see the Kafka
 * port): if PostgreSQL goes away the gateway keeps delivering and takes the lock again when it can.
 */
export class InstanceLease {
  private runner: QueryRunner | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private lost = false;

  private constructor(
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
    private readonly options: LeaseOptions,
    readonly id: string,
    private readonly lockKey: string,
  ) {}

  static async acquire(
    dataSource: DataSource,
    logger: Logger,
    options: LeaseOptions,
  ): Promise<InstanceLease> {
    const candidates = options.singleInstance
      ? [{ id: options.instanceId ?? '0', lock: 'single' }]
      : options.instanceId !== undefined
        ? [{ id: options.instanceId, lock: options.instanceId }]
        : Array.from({ length: MAX_INSTANCES }, (_, i) => ({ id: String(i), lock: String(i) }));
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      for (const candidate of candidates) {
        const key = `${options.topicPrefix}:${candidate.lock}`;
        if (await tryLock(runner, key)) {
          const lease = new InstanceLease(dataSource, logger, options, candidate.id, key);
          lease.runner = runner;
          lease.watch();
          return lease;
        }
      }
    } catch (error) {
      await runner.release().catch(() => undefined);
      throw error;
    }
    await runner.release().catch(() => undefined);
    throw new InstanceLeaseError(
      options.singleInstance
        ? `another gateway is already running on topic prefix ${options.topicPrefix}, and the kafkajs ` +
            'Kafka client cannot fence a second instance (its offset commits carry no group generation): ' +
            'stop the other one, or run several with KYODO_KAFKA_CLIENT=platformatic'
        : options.instanceId !== undefined
          ? `another running gateway holds KYODO_INSTANCE_ID=${options.instanceId} on topic prefix ` +
            `${options.topicPrefix}: give each instance its own id, or leave it unset to take a free slot`
          : `all ${MAX_INSTANCES} gateway instance slots on topic prefix ${options.topicPrefix} are taken`,
    );
  }

  /** Checks the lock's connection; after a PostgreSQL outage, takes the same lock again. */
  private watch(): void {
    this.timer = setInterval(() => {
      this.checking ??= this.check().finally(() => (this.checking = undefined));
    }, this.options.checkEveryMs ?? 5000);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    try {
      if (this.runner && !this.lost) {
        await this.runner.query('SELECT 1');
        return;
      }
    } catch (error) {
      this.lost = true;
      this.logger.warn({ err: error, instanceId: this.id }, 'instance lease connection lost; re-taking it');
      await this.runner?.release().catch(() => undefined);
      this.runner = undefined;
    }
    try {
      const runner = this.dataSource.createQueryRunner();
      await runner.connect();
      if (await tryLock(runner, this.lockKey)) {
        this.runner = runner;
        this.lost = false;
        this.logger.info({ instanceId: this.id }, 'instance lease taken again');
      } else {
        await runner.release();
        this.logger.error(
          { instanceId: this.id },
          'another gateway took this instance id while PostgreSQL was away; its producer will fence this one',
        );
      }
    } catch {
      // PostgreSQL still away: try again on the next tick.
    }
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.checking;
    const runner = this.runner;
    this.runner = undefined;
    if (!runner) return;
    await runner
      .query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', [LEASE_NAMESPACE, this.lockKey])
      .catch(() => undefined);
    await runner.release().catch(() => undefined);
  }
}

async function tryLock(runner: QueryRunner, key: string): Promise<boolean> {
  const rows = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS taken', [
    LEASE_NAMESPACE,
    key,
  ])) as { taken: boolean }[];
  return rows[0]?.taken === true;
}
