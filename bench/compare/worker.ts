/**
 * One Node.js system under test, in a process of its own so that its CPU and memory are its own: the
 * Kyodo gateway, a transactional passthrough on one Kafka adapter, or the naive Nest microservice.
 * Driven by its parent (bench/compare/main.ts) over the IPC channel:
 *
 *   child → parent  { type: 'ready' }                 once consuming
 *   parent → child  { type: 'usage', gc? }            child answers { type: 'usage', ...WorkerUsage }
 *                                                     (gc: after a full garbage collection, heapLive set)
 *   parent → child  { type: 'stop' }                  child stops cleanly, answers { type: 'stopped' }, exits
 *
 * What to run comes in the BENCH_WORKER environment variable (a WorkerSpec as JSON).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadConfig, type KyodoConfig } from '@kyodo/config';
import { createKafkaClient, type KafkaClientKind, type TransactionalPipeline } from '@kyodo/kafka';
import type { KyodoMetrics } from '@kyodo/observability';
import type { INestApplicationContext } from '@nestjs/common';

// Each system loads only its own modules (Nest, the gateway), so the others' memory is not counted.

export type WorkerSpec =
  | {
      readonly system: 'kyodo';
      readonly client: KafkaClientKind;
      readonly prefix: string;
      readonly databaseUrl: string;
      readonly partitions: number;
      /** KYODO_INSTANCE_ID; the lowest free slot when absent. */
      readonly instanceId?: string;
    }
  | {
      readonly system: 'passthrough';
      readonly client: KafkaClientKind;
      readonly prefix: string;
      readonly inboxes: readonly string[];
      readonly outboxes: readonly string[];
    }
  | {
      readonly system: 'naive';
      readonly prefix: string;
      readonly inboxes: readonly string[];
    };

export interface WorkerUsage {
  /** User + system CPU since ready, µs. */
  readonly cpuMicros: number;
  readonly rss: number;
  readonly peakRss: number;
  /** V8 heap in use and reserved, bytes (process.memoryUsage()). */
  readonly heapUsed: number;
  readonly heapTotal: number;
  /** Memory of Buffers and other objects outside the V8 heap, bytes. */
  readonly external: number;
  /** V8 heap in use right after a full garbage collection, bytes: only when asked for (`gc`). */
  readonly heapLive?: number;
  /** Inputs the system has counted, where it counts them (the gateway: committed inputs). */
  readonly inputs?: number;
  readonly rejected?: number;
  readonly instanceId?: string;
  /** The gateway's duplicate memory: accepted (source, id) pairs remembered (its metric, updated every 2 s). */
  readonly acceptedIds?: number;
}

interface Counts {
  inputs: number;
  rejected: number;
  instanceId?: string;
  acceptedIds?: number;
}

interface Running {
  stop(): Promise<void>;
  counts?(): Promise<Counts>;
}

async function startKyodo(spec: Extract<WorkerSpec, { system: 'kyodo' }>): Promise<Running> {
  const { createLogger } = await import('@kyodo/observability');
  const { METRICS, startApp } = await import('@kyodo/platform');
  const { GatewayModule } = await import('../../apps/gateway/src/gateway.module');
  const { GatewayService } = await import('../../apps/gateway/src/gateway.service');
  const base = loadConfig({
    ...process.env,
    ...(spec.instanceId ? { KYODO_INSTANCE_ID: spec.instanceId } : {}),
  });
  const config: KyodoConfig = {
    ...base,
    kafkaClient: spec.client,
    topicPrefix: spec.prefix,
    databaseUrl: spec.databaseUrl,
    partitionsPerTopic: spec.partitions,
    logLevel: 'warn',
  };
  const app: INestApplicationContext = await startApp('bench', [GatewayModule], {
    config,
    logger: createLogger('warn'),
    port: 0,
  });
  const gateway = app.get(GatewayService);
  const metrics = app.get<unknown, KyodoMetrics>(METRICS);
  return {
    stop: () => app.close(),
    counts: async () => ({
      inputs: gateway.totals.inputs,
      rejected: gateway.totals.rejected,
      instanceId: gateway.status()?.instanceId,
      acceptedIds: (await metrics.acceptedIdsRemembered.get()).values[0]?.value,
    }),
  };
}

/**
 * The gateway's transactional pipeline on the same adapter, with the same compression, doing only the
 * fan-out: each input parsed and written, unchanged, to three outboxes, in the batch's transaction.
 */
async function startPassthrough(spec: Extract<WorkerSpec, { system: 'passthrough' }>): Promise<Running> {
  const config = loadConfig();
  const kafka = createKafkaClient({
    client: spec.client,
    brokers: config.kafkaBrokers,
    clientId: 'bench-passthrough',
    defaultPartitions: 1,
  });
  const pipeline: TransactionalPipeline = kafka.createTransactionalPipeline({
    groupId: `${spec.prefix}.passthrough`,
    transactionalId: `${spec.prefix}.passthrough.0`,
    topics: spec.inboxes,
    compression: config.compression,
    process: ({ records }) =>
      records.flatMap((record) => {
        const event = JSON.parse(record.value!.toString('utf8')) as { subject: string };
        const value = JSON.stringify(event);
        return spec.outboxes.map((topic) => ({ topic, key: event.subject, value }));
      }),
  });
  await pipeline.start();
  return {
    stop: async () => {
      await pipeline.stop();
      await kafka.close();
    },
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.BENCH_WORKER ?? '') as WorkerSpec;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  sampler.unref();
  const running: Running =
    spec.system === 'kyodo'
      ? await startKyodo(spec)
      : spec.system === 'passthrough'
        ? await startPassthrough(spec)
        : await (await import('./naive')).startNaive(spec.prefix, spec.inboxes);
  const cpuAtReady = process.cpuUsage();
  peakRss = process.memoryUsage().rss;
  process.on('message', (message: { type: string; gc?: boolean }) => {
    if (message.type === 'usage') {
      void (async () => {
        const counts = await running.counts?.();
        let heapLive: number | undefined;
        if (message.gc) {
          setFlagsFromString('--expose-gc');
          (runInNewContext('gc') as () => void)();
          heapLive = process.memoryUsage().heapUsed;
        }
        const cpu = process.cpuUsage(cpuAtReady);
        const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
        peakRss = Math.max(peakRss, rss);
        const usage: WorkerUsage = {
          cpuMicros: cpu.user + cpu.system,
          rss,
          peakRss,
          heapUsed,
          heapTotal,
          external,
          ...(heapLive !== undefined ? { heapLive } : {}),
          ...counts,
        };
        process.send!({ type: 'usage', ...usage });
      })();
    } else if (message.type === 'stop') {
      void running.stop().then(
        () => {
          process.send!({ type: 'stopped' }, () => process.exit(0));
        },
        (error: Error) => {
          console.error(error);
          process.exit(1);
        },
      );
    }
  });
  process.send!({ type: 'ready' });
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
