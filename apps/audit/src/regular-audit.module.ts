import {
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { KyodoConfig } from '@kyodo/config';
import type { KafkaPort } from '@kyodo/kafka';
import type { KyodoMetrics, Logger } from '@kyodo/observability';
import { CLOCK, CONFIG, DATA_SOURCE, KAFKA, LOGGER, METRICS } from '@kyodo/platform';
import { RegularAudit } from './regular-audit';

const SHUTDOWN_PATIENCE_MS = 5000;

/** Runs the regular audit soon after start (KYODO_AUDIT_FIRST_RUN_MS) and then every KYODO_AUDIT_SCHEDULE_MS. */
@Injectable()
export class RegularAuditScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  readonly audit: RegularAudit;

  constructor(
    @Inject(CONFIG) private readonly config: KyodoConfig,
    @Inject(KAFKA) kafka: KafkaPort,
    @Inject(DATA_SOURCE) ds: DataSource,
    @Inject(LOGGER) logger: Logger,
    @Inject(METRICS) metrics: KyodoMetrics,
    @Inject(CLOCK) clock: () => Date,
  ) {
    this.audit = new RegularAudit(ds, kafka, metrics, logger.child({ component: 'regular-audit' }), {
      topicPrefix: config.topicPrefix,
      clock,
    });
  }

  onApplicationBootstrap(): void {
    this.schedule(this.config.auditFirstRunMs, 'startup');
  }

  private schedule(delayMs: number, trigger: 'startup' | 'schedule'): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.audit
        .run(trigger)
        .catch(() => undefined)
        .finally(() => {
          this.running = undefined;
          this.schedule(this.config.auditScheduleMs, 'schedule');
        });
    }, delayMs);
    this.timer.unref();
  }

  /** A run in progress gets a few seconds to finish and record its result; the stop never waits longer. */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.running) return;
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<void>((done) => {
      timer = setTimeout(done, SHUTDOWN_PATIENCE_MS);
    });
    await Promise.race([this.running, patience]);
    clearTimeout(timer);
  }
}

/** The regular audit, as `kyodo run` schedules it. Needs the PlatformModule. */
@Module({ providers: [RegularAuditScheduler], exports: [RegularAuditScheduler] })
export class RegularAuditModule {}
