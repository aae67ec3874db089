/**
 * Resilience drills on the local stack (not part of the test suite: they stop shared services).
 * `kyodo run` is started as a separate process on its own topics and database, 3,000 meter readings
 * are sent in two halves, and between them the drill breaks something:
 *
 *   broker     the local Kafka broker is stopped for 5 s and started again (`kyodo infra down/up`)
 *   postgres   the local PostgreSQL cluster is stopped for 10 s (pg_ctlcluster; Debian layout)
 *
 * Then every input must be delivered exactly once (read_committed), every delivery must have its audit
 * row, the hash chain must verify, and SIGTERM must end the process with 0.
 *
 *   npm run build && node dist/bench/resilience.js broker|postgres
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { verifyChain } from '@kyodo/audit';
import { topicsFor, type RegistryData } from '@kyodo/contracts';
import { factory, toRecordValue, fixtureParties } from '@kyodo/contracts/testing';
import { loadConfig } from '@kyodo/config';
import { dropDatabase, ensureDatabase, withDatabase } from '@kyodo/infra';
import { KafkaJsClient } from '@kyodo/kafka';
import { AuditRepository, RegistryRepository, createDataSource, runMigrations } from '@kyodo/persistence';
import { provisionTopics } from '@kyodo/platform';

const ROOT = resolve(__dirname, '..', '..');
const KYODO = join(ROOT, 'bin', 'kyodo.js');
const N = 3000;
const PG = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main';
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const kyodo = (...args: string[]) => execFileSync(process.execPath, [KYODO, ...args], { stdio: 'inherit' });

const DRILLS: Record<string, () => Promise<void>> = {
  broker: async () => {
    kyodo('infra', 'down');
    await sleep(5000);
    kyodo('infra', 'up');
  },
  postgres: async () => {
    execFileSync('bash', ['-c', `${PG} stop -m fast`]);
    await sleep(10_000);
    execFileSync('bash', ['-c', `${PG} start`]);
  },
};

const REGISTRY: RegistryData = {
  parties: fixtureParties('R0001', 'TD03'),
  enrollments: [],
  consents: [],
};

async function send(brokers: readonly string[], topic: string, from: number, to: number): Promise<void> {
  const kafka = new KafkaJsClient({ brokers, clientId: 'resilience-producer' });
  const producer = await kafka.createProducer();
  for (let i = from; i < to; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(i + 100, to); j += 1) {
      const event = factory.meterReading({
        seed: j + 1,
        area: '03',
        supplyPointId: `03${String(j % 40).padStart(20, '0')}`,
        retailerId: 'R0001',
        sender: 'TD03',
      });
      batch.push({ topic, key: event.subject, value: toRecordValue(event) });
    }
    await producer.send(batch);
  }
  await producer.disconnect();
  await kafka.close();
}

async function main(): Promise<void> {
  const drill = DRILLS[process.argv[2] ?? ''];
  if (!drill) throw new Error(`usage: resilience.js ${Object.keys(DRILLS).join('|')}`);
  const base = loadConfig({ ...process.env, KYODO_ALLOW_DEVELOPMENT_KEY: '1' });
  const prefix = `drill${randomBytes(3).toString('hex')}`;
  const databaseUrl = withDatabase(base.databaseUrl, `kyodo_${prefix}`);
  const topics = topicsFor(prefix);
  kyodo('infra', 'up');
  await ensureDatabase(databaseUrl);
  const ds = createDataSource(databaseUrl);
  await ds.initialize();
  await runMigrations(ds);
  await new RegistryRepository(ds).importRegistry(REGISTRY);
  await ds.destroy();
  const admin = new KafkaJsClient({ brokers: base.kafkaBrokers, clientId: 'resilience' });
  await provisionTopics(admin, topics, ['R0001', 'TD03'], 3);
  await admin.close();

  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    KYODO_TOPIC_PREFIX: prefix,
    KYODO_HTTP_PORT: '0',
    KYODO_AUDIT_HMAC_KEY: randomBytes(32).toString('hex'),
    KYODO_INSTANCE_ID: prefix,
  };
  const run = spawn(process.execPath, [KYODO, 'run'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  run.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  run.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<number | null>((done) => run.on('exit', (code) => done(code)));
  while (!log.includes('gateway consuming')) await sleep(200);

  await send(base.kafkaBrokers, topics.inbox('TD03'), 0, N / 2);
  console.log(`drill: ${process.argv[2]}`);
  await drill();
  await send(base.kafkaBrokers, topics.inbox('TD03'), N / 2, N);

  const reader = new KafkaJsClient({ brokers: base.kafkaBrokers, clientId: 'resilience-reader' });
  const ids: string[] = [];
  const consumer = await reader.createConsumer({
    groupId: `${prefix}-reader`,
    topics: [topics.outbox('R0001')],
    readCommitted: true,
    commitOffsets: false,
    handle: (batch) => {
      for (const r of batch.records)
        ids.push((JSON.parse(r.value!.toString('utf8')) as { kyodooriginid: string }).kyodooriginid);
      return Promise.resolve();
    },
  });
  const started = Date.now();
  while (ids.length < N && Date.now() - started < 180_000) await sleep(500);
  await sleep(2000); // anything beyond N would be a duplicate: give it a moment to show
  await consumer.stop();
  await reader.close();

  const check = createDataSource(databaseUrl);
  await check.initialize();
  let rows = 0;
  while (rows < N && Date.now() - started < 240_000) {
    [{ n: rows }] = await check.query<{ n: number }[]>('SELECT count(*)::int AS n FROM audit_record');
    if (rows < N) await sleep(500);
  }
  const chain = await verifyChain(new AuditRepository(check).streamChain());
  await check.destroy();
  run.kill('SIGTERM');
  const code = await exited;
  const result = {
    sent: N,
    delivered: ids.length,
    unique: new Set(ids).size,
    auditRows: rows,
    chainVerified: chain.ok,
    exitCode: code,
  };
  console.log(JSON.stringify(result));
  await dropDatabase(databaseUrl);
  const ok = result.delivered === N && result.unique === N && rows === N && chain.ok && code === 0;
  console.log(ok ? 'exactly once: yes' : 'exactly once: NO');
  process.exit(ok ? 0 : 1);
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
