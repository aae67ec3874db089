import { Controller, Get, Header, HttpCode, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import type { KafkaPort } from '@kyodo/kafka';
import type { KyodoMetrics } from '@kyodo/observability';
import { DATA_SOURCE, KAFKA, METRICS } from './tokens';

/** Liveness, readiness (Kafka and PostgreSQL reachable) and Prometheus metrics; no credentials needed. */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    @Inject(KAFKA) private readonly kafka: KafkaPort,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(METRICS) private readonly metrics: KyodoMetrics,
  ) {}

  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @HttpCode(200)
  async ready(): Promise<{ status: 'ok'; kafka: string; postgres: string }> {
    const [kafka, postgres] = await Promise.all([
      this.kafka.ping(2000).then(
        () => 'up',
        (error: Error) => `down: ${error.message}`,
      ),
      this.dataSource.query('SELECT 1').then(
        () => 'up',
        (error: Error) => `down: ${error.message}`,
      ),
    ]);
    if (kafka !== 'up' || postgres !== 'up') {
      throw new ServiceUnavailableException({ status: 'unavailable', kafka, postgres });
    }
    return { status: 'ok', kafka, postgres };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
