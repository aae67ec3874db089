/**
 * What the Nest microservice shape costs: the gateway hosted by the Kafka port transport (each batch
 * through Nest's handler proxy to GatewayBatchController) against the same gateway with its pipeline
 * hosted directly (each batch straight to GatewayService.process, as before the transport), on the same
 * broker in the same run, interleaved (A B A B …) so that drift on a shared machine hits both alike.
 * Each run has its own topics, database and N pre-filled meter readings (fan-out 3).
 *
 *   npx kyodo infra up && npm run build && node dist/bench/microservice-shape.bench.js
 *   (BENCH_EVENTS=20000, BENCH_ROUNDS=2)
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { topicsFor } from '@kyodo/contracts';
import { loadConfig } from '@kyodo/config';
import { dropDatabase, withDatabase } from '@kyodo/infra';
import {
  createKafkaClient,
  type KafkaPort,
  type PipelineBatch,
  type TransactionalPipeline,
  type TransactionalPipelineOptions,
} from '@kyodo/kafka';
import {
  BatchHandler,
  KafkaPortTransport,
  KafkaSubscriptions,
  type TransactionalSubscription,
} from '@kyodo/microservice';
import { createLogger, type KyodoMetrics } from '@kyodo/observability';
import { KAFKA, METRICS, startApp } from '@kyodo/platform';
import { GatewayModule } from '../apps/gateway/src/gateway.module';
import { GATEWAY_BATCH, GatewayService } from '../apps/gateway/src/gateway.service';
import { benchRegistry, readingTemplates } from './compare/workload';
import { prepareKyodo } from './compare/system';

const N = Number(process.env.BENCH_EVENTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PARTITIONS = 3;

type Shape = 'transport' | 'direct';

const registry = benchRegistry();

/** N readings, every one its own event id (a re-sent id would be refused as a duplicate, cheaply). */
async function fill(kafka: KafkaPort, topic: string): Promise<void> {
  const producer = await kafka.createProducer();
  const base = readingTemplates();
  for (let i = 0; i < N; i += 2000) {
    await producer.send(
      Array.from({ length: Math.min(2000, N - i) }, (_, k) => {
        const v = base[(i + k) % base.length];
        return { topic, key: v.key, value: v.value.replace(`"id":"${v.id}"`, `"id":"${v.id}-${i + k}"`) };
      }),
    );
  }
  await producer.disconnect();
}

/** Fresh topics can take a moment to be known to every listener. */
async function untilAnswers(kafka: KafkaPort, topic: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if ((await kafka.topicOffsets(topic).catch(() => [])).length === PARTITIONS) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${topic} is not answering`);
}

/**
 * The gateway's subscription hosted without the transport: the pipeline made from the same options,
 * its batches handed straight to GatewayService.process.
 */
async function hostDirectly(
  kafka: KafkaPort,
  subscriptions: KafkaSubscriptions,
  gateway: GatewayService,
): Promise<() => Promise<void>> {
  const [[, subscription]] = subscriptions.entries().filter(([pattern]) => pattern === GATEWAY_BATCH) as [
    string,
    TransactionalSubscription,
  ][];
  const pipeline: TransactionalPipeline = kafka.createTransactionalPipeline({
    ...subscription.options,
    process: (batch) => gateway.process(batch),
  });
  subscription.attach?.(pipeline);
  await pipeline.start();
  await subscription.started?.();
  return async () => {
    await subscription.stopping?.();
    await pipeline.stop();
  };
}

interface RunResult {
  readonly steady: number;
  readonly overall: number;
  readonly batches: number;
  readonly seconds: number;
}

/** One run: events/s from the first committed batch to the last input (start-up excluded), and overall. */
async function run(shape: Shape): Promise<RunResult> {
  const base = loadConfig();
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const databaseUrl = withDatabase(base.databaseUrl, `kyodo_bench_${prefix}`);
  const config = {
    ...base,
    topicPrefix: prefix,
    databaseUrl,
    partitionsPerTopic: PARTITIONS,
    logLevel: 'warn',
  };
  const topics = topicsFor(prefix);
  const kafka = createKafkaClient({
    client: config.kafkaClient,
    brokers: config.kafkaBrokers,
    clientId: 'bench',
    defaultPartitions: PARTITIONS,
  });
  await prepareKyodo(kafka, base.databaseUrl, prefix, registry, PARTITIONS);
  await untilAnswers(kafka, topics.inbox('TD03'));
  await fill(kafka, topics.inbox('TD03'));

  const started = Date.now();
  const app = await startApp('bench', [GatewayModule], {
    config,
    logger: createLogger('warn'),
    port: 0,
    transport: shape === 'transport',
  });
  const gateway = app.get(GatewayService);
  const stopDirect =
    shape === 'direct' ? await hostDirectly(app.get(KAFKA), app.get(KafkaSubscriptions), gateway) : undefined;
  while (gateway.totals.inputs === 0) await new Promise((r) => setTimeout(r, 2));
  const first = { at: Date.now(), inputs: gateway.totals.inputs };
  while (gateway.totals.inputs < N) await new Promise((r) => setTimeout(r, 2));
  const ended = Date.now();
  if (gateway.totals.inputs !== N || gateway.totals.accepted !== N)
    throw new Error(`expected ${N} accepted inputs, saw ${JSON.stringify(gateway.totals)}`);
  const batches = await committedBatches(app.get(METRICS));
  await stopDirect?.();
  await app.close();
  await kafka.deleteTopics([
    topics.audit,
    topics.dlq,
    topics.accepted,
    ...registry.parties.flatMap((p) => [topics.inbox(p.id), topics.outbox(p.id)]),
  ]);
  await kafka.close();
  await dropDatabase(databaseUrl);
  return {
    steady: (N - first.inputs) / ((ended - first.at) / 1000),
    overall: N / ((ended - started) / 1000),
    batches,
    seconds: (ended - started) / 1000,
  };
}

async function committedBatches(metrics: KyodoMetrics): Promise<number> {
  const { values } = await metrics.batchSeconds.get();
  return values.find((v) => v.metricName?.endsWith('_count'))?.value ?? NaN;
}

@Controller()
class EchoController {
  @BatchHandler('bench.echo')
  echo(batch: PipelineBatch): Promise<readonly []> {
    return Promise.resolve(batch.records as readonly []);
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

/**
 * The transport's own cost per batch, apart from Kafka: a batch handed through the transport to a
 * handler that does nothing, against the same handler called directly. Microseconds per batch.
 */
async function dispatchCost(): Promise<{ transport: number; direct: number }> {
  let processBatch: TransactionalPipelineOptions['process'] | undefined;
  const port = {
    createTransactionalPipeline: (options: TransactionalPipelineOptions) => {
      processBatch = options.process;
      return { start: () => Promise.resolve(), stop: () => Promise.resolve() };
    },
  } as unknown as KafkaPort;
  const subscriptions = new KafkaSubscriptions();
  subscriptions.transactional('bench.echo', { options: { groupId: 'g', transactionalId: 't', topics: [] } });
  const app = await NestFactory.createMicroservice(EchoModule, {
    strategy: new KafkaPortTransport(port, subscriptions),
    logger: false,
  });
  await app.listen();
  const controller = app.get(EchoController);
  const batch: PipelineBatch = { records: [], generation: 1 };
  const time = async (call: () => unknown): Promise<number> => {
    const calls = 200_000;
    for (let i = 0; i < 20_000; i += 1) await call();
    const t0 = performance.now();
    for (let i = 0; i < calls; i += 1) await call();
    return ((performance.now() - t0) * 1000) / calls;
  };
  const direct = (b: PipelineBatch) => controller.echo(b);
  const result = {
    transport: await time(() => processBatch!(batch)),
    direct: await time(() => direct(batch)),
  };
  await app.close();
  return result;
}

async function main(): Promise<void> {
  console.log(
    `${N.toLocaleString('en')} meter readings per run (fan-out 3), ${loadConfig().kafkaClient} client, same broker, interleaved`,
  );
  const results: Record<Shape, RunResult[]> = { transport: [], direct: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    // Alternate which goes first, so neither always runs on the warmer process.
    const order: Shape[] = round % 2 === 0 ? ['direct', 'transport'] : ['transport', 'direct'];
    for (const shape of order) {
      const r = await run(shape);
      results[shape].push(r);
      console.log(
        `round ${round + 1}  ${shape.padEnd(9)}  ${Math.round(r.steady).toLocaleString('en').padStart(7)} events/s steady` +
          `  ${Math.round(r.overall).toLocaleString('en').padStart(7)} events/s incl. start-up  (${r.batches} batches in ${r.seconds.toFixed(1)} s)`,
      );
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const steady = (s: Shape) => mean(results[s].map((r) => r.steady));
  const overall = (s: Shape) => mean(results[s].map((r) => r.overall));
  const cost = (f: (s: Shape) => number) => ((1 - f('transport') / f('direct')) * 100).toFixed(1);
  console.log(
    `mean: direct ${Math.round(steady('direct')).toLocaleString('en')}, transport ${Math.round(steady('transport')).toLocaleString('en')} events/s steady ` +
      `(transport costs ${cost(steady)}%); incl. start-up ${cost(overall)}%`,
  );
  const perBatch = await dispatchCost();
  const extra = perBatch.transport - perBatch.direct;
  const runs = results.transport;
  const share = mean(runs.map((r) => (r.batches * extra) / 1e6 / r.seconds)) * 100;
  console.log(
    `dispatch alone: ${perBatch.transport.toFixed(2)} µs per batch through the transport, ${perBatch.direct.toFixed(2)} µs direct: ` +
      `${extra.toFixed(2)} µs more per batch, ${share.toFixed(4)}% of the transport runs' time`,
  );
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
