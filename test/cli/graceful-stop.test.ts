import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { topicsFor, type RegistryData } from '@kyodo/contracts';
import { factory, toRecordValue, fixtureParties } from '@kyodo/contracts/testing';
import { REPO_ROOT } from '../support/environment';
import { collect, createTestDatabase, testConfig, testKafka, waitFor } from '../support/harness';
import { importRegistry } from '../support/kyodo';

// `kyodo run` as an operator runs it: a separate process stopped with SIGTERM. It must finish the batch
// in flight, commit and exit 0; a restarted process then finishes the rest, and nothing is lost or doubled.

const REGISTRY: RegistryData = {
  parties: fixtureParties('R0001', 'TD03'),
  enrollments: [],
  consents: [],
};

interface Running {
  readonly child: ChildProcess;
  readonly output: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'kyodo.js'), 'run'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  return { child, output, exited };
}

describe('kyodo run: graceful stop (separate process, real broker and database)', () => {
  const kafka = testKafka();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;

  afterAll(async () => {
    await kafka.close();
    await db?.drop();
  });

  it('on SIGTERM finishes and commits its batch, exits 0, and a restart delivers the rest exactly once', async () => {
    db = await createTestDatabase();
    const config = testConfig({ databaseUrl: db.url });
    await importRegistry(config, kafka, REGISTRY);
    const topics = topicsFor(config.topicPrefix);
    const env = {
      ...process.env,
      KAFKA_BROKERS: config.kafkaBrokers.join(','),
      DATABASE_URL: db.url,
      KYODO_TOPIC_PREFIX: config.topicPrefix,
      KYODO_HTTP_PORT: '0',
      KYODO_INSTANCE_ID: 'graceful-stop',
      KYODO_AUDIT_HMAC_KEY: config.auditHmacKey,
    };
    const outbox = await collect(kafka, [topics.outbox('R0001')]);
    try {
      const first = run(env);
      await waitFor(() => first.output.join('').includes('gateway consuming'), {
        what: 'the gateway to start',
        timeoutMs: 60_000,
      });

      // Enough that the stop lands mid-backlog on the faster client too (checked below).
      const N = 12_000;
      const readings = Array.from({ length: N }, (_, i) =>
        factory.meterReading({
          seed: i + 1,
          area: '03',
          supplyPointId: `03${String(i % 50).padStart(20, '0')}`,
          retailerId: 'R0001',
          sender: 'TD03',
        }),
      );
      const producer = await kafka.createProducer();
      await producer.send(
        readings.map((e) => ({ topic: topics.inbox('TD03'), key: e.subject, value: toRecordValue(e) })),
      );
      await producer.disconnect();

      // Stop while it is working through the backlog.
      await waitFor(() => outbox.records.length > 0, { what: 'the first deliveries' });
      first.child.kill('SIGTERM');
      const exit = await first.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      const log = first.output.join('');
      expect(log).toContain('gateway stopping');
      expect(log).toContain('stopped cleanly');
      // What the first process committed (offsets) and what it delivered (outputs) agree: each input
      // it consumed has its one delivery visible, and no delivery exists for an input it did not commit.
      const committed = (await kafka.committedOffsets(`${config.topicPrefix}.gateway`, topics.inbox('TD03')))
        .map((p) => Math.max(0, Number(p.offset)))
        .reduce((a, b) => a + b, 0);
      expect(committed).toBeGreaterThan(0);
      expect(committed).toBeLessThan(N);
      await waitFor(() => outbox.records.length >= committed, {
        what: `${committed} deliveries of the first run`,
      });
      expect(outbox.records).toHaveLength(committed);

      const second = run(env);
      try {
        await waitFor(() => second.output.join('').includes('gateway consuming'), {
          what: 'the second gateway to start',
          timeoutMs: 60_000,
        });
        await waitFor(() => outbox.records.length >= N, { what: `${N} deliveries`, timeoutMs: 90_000 });
      } finally {
        second.child.kill('SIGTERM');
        expect(await second.exited).toEqual({ code: 0, signal: null });
      }
      const ids = outbox.records.map(
        (r) => (JSON.parse(r.value!.toString('utf8')) as { kyodooriginid: string }).kyodooriginid,
      );
      expect(new Set(ids).size).toBe(N);
      expect(ids).toHaveLength(N);
    } finally {
      await outbox.stop();
    }
  });
});
