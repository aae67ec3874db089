import { Controller, Get, Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { KafkaPort } from '@kyodo/kafka';
import { KyodoMetrics, type Logger } from '@kyodo/observability';
import { HealthController, ReadinessProbes } from '@kyodo/platform';
import { TimeLimitError, WorkLimitError } from '../../apps/api/src/errors';
import { startApiTestBed, type ApiTestBed } from './api-harness';

/** Somewhere no broker listens. */
const DEAD_BROKER = '127.0.0.1:1';

@Controller('test-limits')
class LimitsController {
  @Get('work')
  work(): never {
    throw new WorkLimitError(
      'the outboxes hold 9 offsets to read, more than the 2 one reconciliation may read',
    );
  }

  @Get('time')
  time(): never {
    throw new TimeLimitError('reconciliation did not finish within 60 s and was abandoned; try again later');
  }
}

@Module({ controllers: [LimitsController] })
class LimitsModule {}

describe('GET /health/ready (real PostgreSQL and Kafka)', () => {
  let bed: ApiTestBed | undefined;

  afterEach(async () => {
    await bed?.close();
    bed = undefined;
  });

  it('answers 200 with each component up', async () => {
    bed = await startApiTestBed();
    const res = await bed.get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', kafka: 'up', postgres: 'up' });
  });

  it('answers 503 naming the component down, but not why: no address, no error text', async () => {
    bed = await startApiTestBed([], { kafkaBrokers: [DEAD_BROKER] });
    const res = await bed.get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'unavailable', kafka: 'down', postgres: 'up' });
    expect(res.text).not.toContain(DEAD_BROKER);
    expect(res.text).not.toMatch(/ECONNREFUSED|Connection|broker/i);
  });
});

describe('HealthController', () => {
  it('logs why a component is down, and answers only up or down', async () => {
    const warnings: { details: object; message: string }[] = [];
    const logger = {
      child: () => logger,
      warn: (details: object, message: string) => warnings.push({ details, message }),
    } as unknown as Logger;
    const kafka = { ping: () => Promise.resolve({ brokers: 1, controllerId: 1 }) } as unknown as KafkaPort;
    const failure = new Error('password authentication failed for user "kyodo" at db.internal:5432');
    const dataSource = { query: () => Promise.reject(failure) } as unknown as DataSource;
    const health = new HealthController(kafka, dataSource, new KyodoMetrics(), logger, new ReadinessProbes());

    const answer = await health.ready().then(
      () => undefined,
      (error: { getResponse(): unknown; getStatus(): number }) => error,
    );
    expect(answer?.getStatus()).toBe(503);
    expect(answer?.getResponse()).toEqual({ status: 'unavailable', kafka: 'up', postgres: 'down' });
    expect(warnings).toEqual([
      { details: { err: failure, dependency: 'postgres' }, message: 'readiness: postgres is down' },
    ]);
  });

  it('is unavailable while a registered part of the process is down, saying only which', async () => {
    const logger = { child: () => logger, warn: () => undefined } as unknown as Logger;
    const kafka = { ping: () => Promise.resolve({ brokers: 1, controllerId: 1 }) } as unknown as KafkaPort;
    const dataSource = { query: () => Promise.resolve([]) } as unknown as DataSource;
    const probes = new ReadinessProbes();
    let problem: string | null = 'pipeline recovering after 3 failures: broker said no';
    probes.register({ name: 'gateway', check: () => problem });
    const health = new HealthController(kafka, dataSource, new KyodoMetrics(), logger, probes);
    const answer = await health.ready().then(
      () => undefined,
      (error: { getResponse(): unknown; getStatus(): number }) => error,
    );
    expect(answer?.getStatus()).toBe(503);
    expect(answer?.getResponse()).toEqual({
      status: 'unavailable',
      kafka: 'up',
      postgres: 'up',
      components: { gateway: 'down' },
    });
    problem = null;
    await expect(health.ready()).resolves.toEqual({
      status: 'ok',
      kafka: 'up',
      postgres: 'up',
      components: { gateway: 'up' },
    });
  });
});

describe('HTTP answers to work and time limits', () => {
  let bed: ApiTestBed;

  beforeAll(async () => {
    bed = await startApiTestBed([LimitsModule]);
  });

  afterAll(async () => {
    await bed?.close();
  });

  it('a query over a work limit is 422, saying which limit', async () => {
    const res = await bed.get('/test-limits/work');
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      statusCode: 422,
      error: 'Unprocessable Entity',
      message: 'the outboxes hold 9 offsets to read, more than the 2 one reconciliation may read',
    });
  });

  it('a time limit is 503, saying so', async () => {
    const res = await bed.get('/test-limits/time');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'reconciliation did not finish within 60 s and was abandoned; try again later',
    });
  });
});
