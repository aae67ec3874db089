import { Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { topicsFor, type RegistryData } from '@kyodo/contracts';
import { factory, fixtureParties, toRecordValue } from '@kyodo/contracts/testing';
import type { KyodoConfig } from '@kyodo/config';
import type { KafkaPort } from '@kyodo/kafka';
import { KafkaPortTransport, KafkaSubscriptions } from '@kyodo/microservice';
import { createLogger } from '@kyodo/observability';
import { KAFKA, PlatformModule } from '@kyodo/platform';
import { AuditModule } from '../../apps/audit/src/audit.module';
import { GatewayModule } from '../../apps/gateway/src/gateway.module';
import { auditRowCount, openDatabase } from '../audit/audit-support';
import { createTestDatabase, drained, readTopic, testConfig, testKafka, waitFor } from '../support/harness';
import { importRegistry } from '../support/kyodo';

// The gateway and the audit writer as a Nest developer hosts a microservice:
// NestFactory.createMicroservice(Module, { strategy }) with the Kafka port transport, no HTTP. Stopped
// mid-backlog (close() finishes and commits the batch in flight) and started again, it delivers every
// input exactly once. Ends on barriers: the inbox's committed offsets, the topics' high watermarks.

const REGISTRY: RegistryData = { parties: fixtureParties('R0001', 'TD03'), enrollments: [], consents: [] };

async function createMicroservice(config: KyodoConfig): Promise<INestMicroservice> {
  @Module({
    imports: [
      PlatformModule.forRoot({ config, logger: createLogger(process.env.KYODO_TEST_LOG_LEVEL ?? 'error') }),
      GatewayModule,
      AuditModule,
    ],
  })
  class KyodoMicroservice {}
  const app = await NestFactory.createMicroservice(KyodoMicroservice, {
    inject: [KAFKA, KafkaSubscriptions],
    useFactory: (kafka: KafkaPort, subscriptions: KafkaSubscriptions) => ({
      strategy: new KafkaPortTransport(kafka, subscriptions),
    }),
    logger: false,
  });
  await app.listen();
  return app;
}

const originId = (value: Buffer | null) =>
  (JSON.parse(value!.toString()) as { kyodooriginid: string }).kyodooriginid;

describe('the gateway hosted by NestFactory.createMicroservice with the Kafka port transport', () => {
  const kafka = testKafka();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;

  afterAll(async () => {
    await kafka.close();
    await db?.drop();
  });

  it('delivers and audits every input exactly once across a graceful stop mid-backlog and a restart', async () => {
    db = await createTestDatabase();
    const config = testConfig({ databaseUrl: db.url });
    await importRegistry(config, kafka, REGISTRY);
    const topics = topicsFor(config.topicPrefix);
    const group = `${config.topicPrefix}.gateway`;
    const committed = async () =>
      (await kafka.committedOffsets(group, topics.inbox('TD03')))
        .map((p) => Math.max(0, Number(p.offset)))
        .reduce((a, b) => a + b, 0);

    // Enough that the stop lands mid-backlog (asserted below).
    const N = 8000;
    const readings = Array.from({ length: N }, (_, i) =>
      factory.meterReading({ seed: 700_000 + i, area: '03', retailerId: 'R0001', sender: 'TD03' }),
    );
    let app = await createMicroservice(config);
    const producer = await kafka.createProducer();
    await producer.send(
      readings.map((e) => ({ topic: topics.inbox('TD03'), key: e.subject, value: toRecordValue(e) })),
    );
    await producer.disconnect();

    await waitFor(async () => (await committed()) > 0, { what: 'the first committed batch' });
    await app.close();
    // What the stopped gateway committed and what it delivered agree, input for input.
    const first = await committed();
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(N);
    expect(await readTopic(kafka, topics.outbox('R0001'))).toHaveLength(first);

    app = await createMicroservice(config);
    const ds = await openDatabase(db.url);
    try {
      await drained(kafka, group, [topics.inbox('TD03')]);
      const delivered = await readTopic(kafka, topics.outbox('R0001'));
      expect(delivered.map((r) => originId(r.value)).sort()).toEqual(readings.map((e) => e.id).sort());
      expect(await readTopic(kafka, topics.dlq)).toEqual([]);
      // The audit writer (same transport) stores each audit record once: the topic, up to its high
      // watermark now that the inbox is drained, and the table agree.
      const audit = await readTopic(kafka, topics.audit);
      expect(audit).toHaveLength(N);
      await waitFor(async () => (await auditRowCount(ds)) === audit.length, { what: `${N} audit rows` });
    } finally {
      await ds.destroy();
      await app.close();
    }
  });
});
