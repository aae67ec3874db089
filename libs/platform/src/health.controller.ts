import { Controller, Get, Header, HttpCode, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import type { KafkaPort } from '@kyodo/kafka';
import type { KyodoMetrics, Logger } from '@kyodo/observability';
import type { ReadinessProbes } from './readiness';
import { DATA_SOURCE, KAFKA, LOGGER, METRICS, READINESS } from './tokens';

export type ComponentState = 'up' | 'down';

export interface Readiness {
  readonly status: 'ok' | 'unavailable';
  readonly kafka: ComponentState;
  readonly postgres: ComponentState;
  /** Each registered part of this process (the gateway pipeline, say): up or down. */
  readonly components?: Readonly<Record<string, ComponentState>>;
}

/**
 * Liveness, readiness (Kafka and PostgreSQL reachable) and Prometheus metrics; no credentials needed.
 * Readiness answers `up` or `down` per component and nothing more: the reason a component is down
 * (broker addresses, database user and host) goes to the log, not to whoever asks.
 */
@ApiExcludeController()
@Controller()
export class HealthController {
  private readonly logger: Logger;

  constructor(
    @Inject(KAFKA) private readonly kafka: KafkaPort,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(METRICS) private readonly metrics: KyodoMetrics,
    @Inject(LOGGER) logger: Logger,
    @Inject(READINESS) private readonly probes: ReadinessProbes,
  ) {
    this.logger = logger.child({ component: 'health' });
  }

  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @HttpCode(200)
  async ready(): Promise<Readiness> {
    const [kafka, postgres] = await Promise.all([
      this.check('kafka', () => this.kafka.ping(2000)),
      this.check('postgres', () => this.dataSource.query('SELECT 1')),
    ]);
    const components: Record<string, ComponentState> = {};
    for (const { name, problem } of this.probes.check()) {
      components[name] = problem === null ? 'up' : 'down';
      if (problem !== null) this.logger.warn({ component: name, problem }, `readiness: ${name} is down`);
    }
    const allUp = Object.values(components).every((state) => state === 'up');
    // Processes without registered parts (the API alone) answer exactly as before.
    const parts = Object.keys(components).length > 0 ? { components } : {};
    if (kafka !== 'up' || postgres !== 'up' || !allUp) {
      const body: Readiness = { status: 'unavailable', kafka, postgres, ...parts };
      throw new ServiceUnavailableException(body);
    }
    return { status: 'ok', kafka, postgres, ...parts };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }

  private async check(component: string, probe: () => Promise<unknown>): Promise<ComponentState> {
    try {
      await probe();
      return 'up';
    } catch (error) {
      this.logger.warn({ err: error, dependency: component }, `readiness: ${component} is down`);
      return 'down';
    }
  }
}
