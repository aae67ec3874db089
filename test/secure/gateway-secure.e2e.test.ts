import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Kafka } from 'kafkajs';
import { topicsFor } from '@kyodo/contracts';
import { factory, toRecordValue } from '@kyodo/contracts/testing';
import type { KyodoConfig } from '@kyodo/config';
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
    const config = (principal: 'gateway' | 'audit'): KyodoConfig => ({
      ...base,
      topicPrefix: PREFIX,
      partitionsPerTopic: 1,
      kafkaBrokers: broker.brokers,
      kafkaSecurity: broker.security(principal),
      // The parties here read with kafkajs, which has no lz4 codec of its own (see docs/exactly-once.md).
      compression: 'gzip',
    });
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
});
