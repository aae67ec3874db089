/**
 * The HTTP mailbox's throughput on a real broker and database: the gateway routes meter readings from
 * TD03 to R0001's outbox (lz4, transactional, as in production), then R0001 drains its mailbox over
 * HTTP in bundles of BENCH_BUNDLE (default 2,000) events: GET /v1/mailbox, then DELETE the bundle.
 * Prints events/s served (peek + acknowledge, wall clock) and the mean time of each call.
 *
 *   npx kyodo infra up && npm run build && node dist/bench/mailbox.bench.js     (BENCH_EVENTS=20000)
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { topicsFor, type RegistryData } from '@kyodo/contracts';
import { factory, fixtureParties, toRecordValue } from '@kyodo/contracts/testing';
import { loadConfig } from '@kyodo/config';
import { dropDatabase, ensureDatabase, withDatabase } from '@kyodo/infra';
import { createKafkaClient } from '@kyodo/kafka';
import { createLogger } from '@kyodo/observability';
import { ApiKeyRepository, RegistryRepository, createDataSource, runMigrations } from '@kyodo/persistence';
import { provisionTopics, startApp } from '@kyodo/platform';
import { ApiModule } from '../apps/api/src/api.module';
import { GatewayModule } from '../apps/gateway/src/gateway.module';

const N = Number(process.env.BENCH_EVENTS ?? 20_000);
const BUNDLE = Number(process.env.BENCH_BUNDLE ?? 2000);
const PARTITIONS = 3;
const SUPPLY_POINTS = 500;

const registry: RegistryData = {
  parties: fixtureParties('R0001', 'TD03'),
  enrollments: [],
  consents: [],
};

async function main(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const prefix = `bench${suffix}`;
  const base = loadConfig();
  const databaseUrl = withDatabase(base.databaseUrl, `kyodo_bench_${suffix}`);
  const config = {
    ...loadConfig({ ...process.env, KYODO_TOPIC_PREFIX: prefix, DATABASE_URL: databaseUrl }),
    partitionsPerTopic: PARTITIONS,
    logLevel: 'warn' as const,
  };
  const topics = topicsFor(prefix);
  const kafka = createKafkaClient({
    brokers: config.kafkaBrokers,
    clientId: 'bench',
    defaultPartitions: PARTITIONS,
  });
  await ensureDatabase(databaseUrl);
  const ds = createDataSource(databaseUrl);
  await ds.initialize();
  await runMigrations(ds);
  await new RegistryRepository(ds).importRegistry(registry);
  const key = (await new ApiKeyRepository(ds).create('party', { partyId: 'R0001' })).secret;
  await provisionTopics(kafka, topics, ['R0001', 'TD03'], PARTITIONS);

  const producer = await kafka.createProducer();
  for (let i = 0; i < N; i += 2000) {
    await producer.send(
      Array.from({ length: Math.min(2000, N - i) }, (_, k) => {
        const e = factory.meterReading({
          seed: i + k + 1,
          area: '03',
          supplyPointId: `03${String((i + k) % SUPPLY_POINTS).padStart(20, '0')}`,
          retailerId: 'R0001',
          sender: 'TD03',
        });
        return { topic: topics.inbox('TD03'), key: e.subject, value: toRecordValue(e) };
      }),
    );
  }
  await producer.disconnect();

  const logger = createLogger('warn');
  const gateway = await startApp('bench-gateway', [GatewayModule], { config, logger, port: 0 });
  const inbox = await kafka.topicOffsets(topics.inbox('TD03'));
  for (;;) {
    const committed = await kafka.committedOffsets(`${prefix}.gateway`, topics.inbox('TD03'));
    const done = inbox.every(
      (o) => BigInt(committed.find((c) => c.partition === o.partition)?.offset ?? -1) >= BigInt(o.high),
    );
    if (done) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await gateway.close();

  const api = await startApp('bench-api', [ApiModule], { config, logger, port: 0 });
  const { port } = (api.getHttpServer() as Server).address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const headers = { Authorization: `Bearer ${key}` };
  let served = 0;
  let bundles = 0;
  let peekMs = 0;
  let ackMs = 0;
  const started = performance.now();
  for (;;) {
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/mailbox?max=${BUNDLE}`, { headers });
    if (res.status === 204) break;
    if (res.status !== 200) throw new Error(`GET /v1/mailbox answered ${res.status}: ${await res.text()}`);
    const bundle = (await res.json()) as { bundleId: string; messages: unknown[] };
    const t1 = performance.now();
    const ack = await fetch(`${url}/v1/mailbox/bundles/${bundle.bundleId}`, { method: 'DELETE', headers });
    if (ack.status !== 204) throw new Error(`DELETE answered ${ack.status}`);
    const t2 = performance.now();
    served += bundle.messages.length;
    bundles += 1;
    peekMs += t1 - t0;
    ackMs += t2 - t1;
  }
  const seconds = (performance.now() - started) / 1000;
  await api.close();
  console.log(
    JSON.stringify({
      events: N,
      served,
      bundles,
      bundleSize: BUNDLE,
      seconds: Number(seconds.toFixed(2)),
      eventsPerSecond: Math.round(served / seconds),
      meanPeekMs: Math.round(peekMs / bundles),
      meanAcknowledgeMs: Math.round(ackMs / bundles),
    }),
  );

  await kafka.deleteTopics([
    topics.audit,
    topics.dlq,
    topics.accepted,
    ...registry.parties.flatMap((p) => [topics.inbox(p.id), topics.outbox(p.id)]),
  ]);
  await kafka.close();
  await ds.destroy();
  await dropDatabase(databaseUrl);
  if (served !== N) {
    console.error(`served ${served} of ${N} events`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
