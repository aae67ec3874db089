import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Kafka } from 'kafkajs';
import type { Server } from 'node:http';
import request from 'supertest';
import { topicsFor } from '@kyodo/contracts';
import { factory, toRecordValue } from '@kyodo/contracts/testing';
import type { KyodoConfig } from '@kyodo/config';
import { createLogger } from '@kyodo/observability';
import { ApiKeyRepository, createDataSource } from '@kyodo/persistence';
import { startApp } from '@kyodo/platform';
import { ApiModule } from '../../apps/api/src/api.module';
import { AuditModule } from '../../apps/audit/src/audit.module';
import { GatewayModule } from '../../apps/gateway/src/gateway.module';
import { createTestDatabase, testConfig, uniqueId, waitFor } from '../support/harness';
import { startKyodo } from '../support/kyodo';
import { partyKafka, runKyodo, secureBroker, type SecureBroker } from '../support/secure-broker';

// The gateway end to end on the secured broker: the gateway and the audit writer each run as Kyodo's
// own least-privileged principal, a tdso writes its inbox as itself, the retailer reads its outbox as
// itself, and the audit reaches PostgreSQL.

const TD = `TDX${uniqueId().toUpperCase()}`;
const R = `RX${uniqueId().toUpperCase()}`;
const PREFIX = `t${uniqueId()}`;
const topics = topicsFor(PREFIX);
const PASSWORD: Record<string, string> = {
  [TD]: `td-${randomBytes(12).toString('hex')}`,
  [R]: `r-${randomBytes(12).toString('hex')}`,
};

describe('gateway end to end on the secured broker (Kyodo principals, party principals)', () => {
  let broker: SecureBroker;
  let db: { url: string; drop: () => Promise<void> };
  let dir: string;
  let configFor: (principal: 'gateway' | 'audit' | 'api') => KyodoConfig;
  const stops: (() => Promise<void>)[] = [];

  function as(party: string): Kafka {
    return partyKafka(broker.brokers, broker.as(party, PASSWORD[party]));
  }

  beforeAll(async () => {
    broker = await secureBroker();
    process.stderr.write(
      `[secure-broker] ${broker.state} in ${broker.startSeconds.toFixed(1)}s for ${__filename}\n`,
    );
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'kyodo-secure-e2e-'));
    writeFileSync(
      join(dir, 'registry.yaml'),
      [
        'parties:',
        `  - { id: ${TD}, role: tdso, area: "03", name: "Tokyo T&D" }`,
        `  - { id: ${R}, role: retailer, name: "Retailer" }`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'secrets.yaml'), `${TD}: "${PASSWORD[TD]}"\n${R}: "${PASSWORD[R]}"\n`, {
      mode: 0o600,
    });
    const imported = await runKyodo(
      ['registry', 'import', join(dir, 'registry.yaml'), '--secrets', join(dir, 'secrets.yaml')],
      { ...broker.env, DATABASE_URL: db.url, KYODO_TOPIC_PREFIX: PREFIX, KYODO_PARTITIONS: '1' },
    );
    expect({ code: imported.code, stderr: imported.stderr }).toEqual({ code: 0, stderr: '' });

    const base = testConfig({ databaseUrl: db.url });
    const config = (configFor = (principal): KyodoConfig => ({
      ...base,
      topicPrefix: PREFIX,
      partitionsPerTopic: 1,
      kafkaBrokers: broker.brokers,
      kafkaSecurity: broker.security(principal),
      // The parties here read with kafkajs, which has no lz4 codec of its own (see docs/exactly-once.md).
      compression: 'gzip',
    }));
    const gateway = await startKyodo(config('gateway'), [GatewayModule]);
    stops.push(gateway.stop);
    const audit = await startKyodo(config('audit'), [AuditModule]);
    stops.push(audit.stop);
  });

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it('a meter reading from the tdso reaches the retailer, redacted and audited', async () => {
    const event = factory.meterReading({ sender: TD, retailerId: R, area: '03' });
    const producer = as(TD).producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 3 } });
    await producer.connect();
    try {
      await producer.send({
        topic: topics.inbox(TD),
        acks: -1,
        messages: [{ key: event.subject, value: toRecordValue(event) }],
      });
    } finally {
      await producer.disconnect();
    }

    const consumer = as(R).consumer({ groupId: `${R}.reader`, retry: { retries: 5 } });
    const received: Record<string, unknown>[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topics.outbox(R)], fromBeginning: true });
      await consumer.run({
        eachMessage: ({ message }) => {
          received.push(JSON.parse(message.value?.toString() ?? 'null') as Record<string, unknown>);
          return Promise.resolve();
        },
      });
      const [delivered] = await waitFor(() => received.length > 0 && received, {
        timeoutMs: 60_000,
        what: "the retailer's delivery",
      });
      expect(delivered).toMatchObject({
        source: 'urn:kyodo:gateway',
        type: 'jp.kyodo.meter-reading.v1',
        kyodopurpose: 'td-operations',
        kyodoorigin: `urn:kyodo:party:${TD}`,
        data: { retailerId: R },
      });
    } finally {
      await consumer.disconnect();
    }

    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      const rows = await waitFor(
        async () => {
          const result = await pg.query<{ recipient_id: string; outcome: string }>(
            'SELECT recipient_id, outcome FROM audit_record ORDER BY recipient_id',
          );
          return result.rows.length > 0 && result.rows;
        },
        { timeoutMs: 60_000, what: 'the audit rows' },
      );
      expect(rows).toContainEqual({ recipient_id: R, outcome: 'delivered' });
    } finally {
      await pg.end();
    }
  });
  it('the HTTP mailbox works as the API principal: an inbox post is routed, peeked and acknowledged', async () => {
    const api = await startApp('api-secure-test', [ApiModule], {
      config: configFor('api'),
      logger: createLogger(process.env.KYODO_TEST_LOG_LEVEL ?? 'silent'),
      port: 0,
    });
    stops.push(() => api.close());
    const ds = createDataSource(db.url, { poolSize: 1 });
    await ds.initialize();
    const keys = new ApiKeyRepository(ds);
    const tdKey = (await keys.create('party', { partyId: TD })).secret;
    const rKey = (await keys.create('party', { partyId: R })).secret;
    await ds.destroy();
    const http = () => request(api.getHttpServer() as Server);

    const event = factory.meterReading({ sender: TD, retailerId: R, area: '03', seed: 7 });
    const posted = await http()
      .post('/v1/inbox')
      .set('Authorization', `Bearer ${tdKey}`)
      .set('Content-Type', 'application/cloudevents+json')
      .send(JSON.stringify(event));
    expect({ status: posted.status, body: posted.body as unknown }).toEqual({
      status: 202,
      body: { id: event.id, status: 'accepted' },
    });

    // The retailer's mailbox: everything delivered to it so far, the posted reading among it.
    const bundle = await waitFor(
      async () => {
        const res = await http().get('/v1/mailbox?wait=5').set('Authorization', `Bearer ${rKey}`);
        if (res.status !== 200) return undefined;
        const body = res.body as { bundleId: string; messages: Record<string, unknown>[] };
        if (body.messages.some((m) => m.kyodooriginid === event.id)) return body;
        // An earlier bundle (the first test's delivery): acknowledged, so the next peek moves on.
        await http().delete(`/v1/mailbox/bundles/${body.bundleId}`).set('Authorization', `Bearer ${rKey}`);
        return undefined;
      },
      { timeoutMs: 60_000, what: "the posted reading on the retailer's HTTP mailbox" },
    );
    const acknowledged = await http()
      .delete(`/v1/mailbox/bundles/${bundle.bundleId}`)
      .set('Authorization', `Bearer ${rKey}`);
    expect(acknowledged.status).toBe(204);
    const after = await http().get('/v1/mailbox').set('Authorization', `Bearer ${rKey}`);
    expect(after.status).toBe(204);
  });
});
