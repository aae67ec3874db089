/**
 * End to end on a real broker: meter readings through the gateway (validate, route, redact, audit,
 * duplicate memory, one transaction per batch) on each Kafka adapter, against, in the same run and on
 * the same broker, a plain kafkajs transactional passthrough with the same fan-out (parse, copy to three
 * outboxes, offsets in the transaction). Prints events/s for each, the ratios, and peak RSS.
 *
 *   npx kyodo infra up && npm run build && node dist/bench/pipeline.bench.js     (BENCH_EVENTS=50000)
 */
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { topicsFor } from '@kyodo/contracts';
import { loadConfig } from '@kyodo/config';
import { dropDatabase, withDatabase } from '@kyodo/infra';
import { KafkaJsClient } from '@kyodo/kafka';
import { createLogger } from '@kyodo/observability';
import { startApp } from '@kyodo/platform';
import { GatewayModule } from '../apps/gateway/src/gateway.module';
import { GatewayService } from '../apps/gateway/src/gateway.service';
import { benchRegistry, readingTemplates } from './compare/workload';
import { prepareKyodo } from './compare/system';

const N = Number(process.env.BENCH_EVENTS ?? 30_000);
const PARTITIONS = 3;

const registry = benchRegistry();

async function fill(kafka: KafkaJsClient, topic: string): Promise<void> {
  const producer = await kafka.createProducer({ idempotent: false });
  const values = readingTemplates();
  // Every record its own event id: the gateway refuses a re-sent one as a duplicate, which is cheaper
  // than routing it and would flatter the figures.
  for (let i = 0; i < N; i += 2000) {
    await producer.send(
      Array.from({ length: Math.min(2000, N - i) }, (_, k) => {
        const v = values[(i + k) % values.length];
        return { topic, key: v.key, value: v.value.replace(`"id":"${v.id}"`, `"id":"${v.id}-${i + k}"`) };
      }),
    );
  }
  await producer.disconnect();
}

async function passthrough(
  brokers: string[],
  inbox: string,
  outboxes: string[],
  prefix: string,
): Promise<number> {
  const kafka = new Kafka({
    clientId: 'bench-passthrough',
    brokers,
    logLevel: process.env.BENCH_DEBUG ? logLevel.INFO : logLevel.NOTHING,
  });
  const producer = kafka.producer({
    transactionalId: `${prefix}-passthrough`,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer = kafka.consumer({
    groupId: `${prefix}-passthrough`,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [inbox], fromBeginning: true });
  let done = 0;
  const started = Date.now();
  await new Promise<void>((finish) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const tx = await producer.transaction();
        const messages = batch.messages.map((m) => {
          const event = JSON.parse(m.value!.toString('utf8')) as { subject: string };
          return { key: event.subject, value: JSON.stringify(event) };
        });
        // Chunks of ~400 KB per topic: one request's messages for a partition form one record batch,
        // which the broker refuses above max.message.bytes (1 MiB by default).
        for (let i = 0; i < messages.length; i += 150) {
          const slice = messages.slice(i, i + 150);
          await tx.sendBatch({ topicMessages: outboxes.map((topic) => ({ topic, messages: slice })) });
        }
        await tx.sendOffsets({
          consumerGroupId: `${prefix}-passthrough`,
          topics: [
            {
              topic: batch.topic,
              partitions: [
                { partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() },
              ],
            },
          ],
        });
        await tx.commit();
        done += batch.messages.length;
        if (done >= N) finish();
      },
    });
  });
  const rate = N / ((Date.now() - started) / 1000);
  await consumer.disconnect();
  await producer.disconnect();
  return rate;
}

/** The gateway on one Kafka adapter, on its own topics and database: input events/s and peak RSS. */
async function gatewayRun(client: 'kafkajs' | 'platformatic'): Promise<{ rate: number; peakRss: number }> {
  const base = loadConfig();
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const databaseUrl = withDatabase(base.databaseUrl, `kyodo_bench_${prefix}`);
  const config = {
    ...base,
    kafkaClient: client,
    topicPrefix: prefix,
    databaseUrl,
    partitionsPerTopic: PARTITIONS,
    logLevel: 'warn',
  };
  const topics = topicsFor(prefix);
  const kafka = new KafkaJsClient({
    brokers: config.kafkaBrokers,
    clientId: 'bench',
    defaultPartitions: PARTITIONS,
  });
  await prepareKyodo(kafka, base.databaseUrl, prefix, registry, PARTITIONS);
  await waitForTopics(kafka, [topics.inbox('TD03')]);
  await fill(kafka, topics.inbox('TD03'));
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const started = Date.now();
  const app = await startApp('bench', [GatewayModule], { config, logger: createLogger('warn'), port: 0 });
  const gateway = app.get(GatewayService);
  while (gateway.totals.inputs < N) await new Promise((r) => setTimeout(r, 20));
  const rate = N / ((Date.now() - started) / 1000);
  clearInterval(sampler);
  await app.close();
  await kafka.deleteTopics([
    topics.audit,
    topics.dlq,
    topics.accepted,
    ...registry.parties.flatMap((p) => [topics.inbox(p.id), topics.outbox(p.id)]),
  ]);
  await kafka.close();
  await dropDatabase(databaseUrl);
  return { rate, peakRss };
}

/** Fresh topics can take a moment to be known to every listener: wait until each answers. */
async function waitForTopics(kafka: KafkaJsClient, names: string[]): Promise<void> {
  for (const topic of names) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        if ((await kafka.topicOffsets(topic)).length === PARTITIONS) break;
      } catch (error) {
        if (attempt > 50) throw error;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function main(): Promise<void> {
  const base = loadConfig();
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const kafka = new KafkaJsClient({
    brokers: base.kafkaBrokers,
    clientId: 'bench',
    defaultPartitions: PARTITIONS,
  });
  const baselineIn = `${prefix}.baseline.in`;
  const baselineOut = [1, 2, 3].map((n) => `${prefix}.baseline.out${n}`);
  await kafka.ensureTopics([baselineIn, ...baselineOut].map((name) => ({ name, partitions: PARTITIONS })));
  await waitForTopics(kafka, [baselineIn, ...baselineOut]);
  console.log(`${N.toLocaleString('en')} meter readings (2.8 KB, fan-out 3) per row, same broker, same run`);
  await fill(kafka, baselineIn);
  const baseline = await passthrough(base.kafkaBrokers as string[], baselineIn, baselineOut, prefix);
  console.log(
    `plain kafkajs transactional passthrough   ${Math.round(baseline).toLocaleString('en').padStart(8)} events/s`,
  );
  await kafka.deleteTopics([baselineIn, ...baselineOut]);
  await kafka.close();
  for (const client of ['kafkajs', 'platformatic'] as const) {
    const { rate, peakRss } = await gatewayRun(client);
    console.log(
      `kyodo gateway on ${client.padEnd(13)}           ${Math.round(rate).toLocaleString('en').padStart(8)} events/s  ` +
        `(incl. start-up; ${(rate / baseline).toFixed(2)}× the passthrough; peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MiB)`,
    );
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
