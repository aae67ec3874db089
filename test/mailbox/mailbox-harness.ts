import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import type { InboundEvent, JsonObject, RegistryData, Topics } from '@kyodo/contracts';
import { factory, toRecordValue } from '@kyodo/contracts/testing';
import type { KyodoConfig } from '@kyodo/config';
import type { KafkaPort } from '@kyodo/kafka';
import { createLogger } from '@kyodo/observability';
import { ApiKeyRepository, createDataSource, type ApiKeyRole } from '@kyodo/persistence';
import { startApp } from '@kyodo/platform';
import { ApiModule } from '../../apps/api/src/api.module';
import { createTestDatabase, drained, readTopic, testConfig, testKafka, waitFor } from '../support/harness';
import { importRegistry, startKyodo } from '../support/kyodo';

export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

export interface Bundle {
  readonly bundleId: string;
  readonly messages: JsonObject[];
}

/**
 * The gateway and the audit writer (one app) and the HTTP API (another, restartable), on a fresh
 * database and topic prefix, with the registry imported first.
 */
export class MailboxStack {
  readonly kafka: KafkaPort = testKafka();
  config!: KyodoConfig;
  topics!: Topics;
  ds!: DataSource;
  private db!: { url: string; drop: () => Promise<void> };
  private kyodo!: Awaited<ReturnType<typeof startKyodo>>;
  private api: INestApplication | undefined;
  private seed = 0;

  async start(registry: RegistryData, overrides: Partial<KyodoConfig> = {}): Promise<void> {
    this.db = await createTestDatabase();
    this.config = testConfig({ databaseUrl: this.db.url, partitionsPerTopic: 2, ...overrides });
    await importRegistry(this.config, this.kafka, registry);
    this.kyodo = await startKyodo(this.config);
    this.topics = this.kyodo.topics;
    await this.startApi();
    this.ds = createDataSource(this.db.url, { poolSize: 2 });
    await this.ds.initialize();
  }

  async startApi(): Promise<void> {
    this.api = await startApp('api-test', [ApiModule], {
      config: this.config,
      logger: createLogger(process.env.KYODO_TEST_LOG_LEVEL ?? 'silent'),
      port: 0,
    });
  }

  /** Everything `kyodo run` runs, stopped and started again: the API, the gateway and the audit writer. */
  async restartAll(): Promise<void> {
    await this.api?.close();
    this.api = undefined;
    await this.kyodo.stop();
    this.kyodo = await startKyodo(this.config);
    await this.startApi();
  }

  async stop(): Promise<void> {
    await this.api?.close();
    await this.kyodo?.stop();
    await this.ds?.destroy();
    await this.kafka.close();
    await this.db?.drop();
  }

  async key(role: ApiKeyRole, partyId?: string): Promise<string> {
    const key = await new ApiKeyRepository(this.ds).create(role, partyId ? { partyId } : {});
    return key.secret;
  }

  private server(): Server {
    if (!this.api) throw new Error('the API is not running');
    return this.api.getHttpServer() as Server;
  }

  async get(path: string, key: string, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await request(this.server()).get(path).set('Authorization', `Bearer ${key}`).set(headers);
    return { status: res.status, body: res.body as unknown, text: res.text };
  }

  async del(path: string, key: string, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await request(this.server()).delete(path).set('Authorization', `Bearer ${key}`).set(headers);
    return { status: res.status, body: res.body as unknown, text: res.text };
  }

  async post(
    path: string,
    key: string,
    body: unknown,
    contentType = 'application/cloudevents+json',
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const res = await request(this.server())
      .post(path)
      .set('Authorization', `Bearer ${key}`)
      .set('Content-Type', contentType)
      .set(headers)
      .send(JSON.stringify(body));
    return { status: res.status, body: res.body as unknown, text: res.text };
  }

  /** Peeks once; the bundle, or null on 204. Fails on any other status. */
  async peek(key: string, query = '', headers: Record<string, string> = {}): Promise<Bundle | null> {
    const res = await this.get(`/v1/mailbox${query}`, key, headers);
    if (res.status === 204) return null;
    if (res.status !== 200) throw new Error(`GET /v1/mailbox${query} answered ${res.status}: ${res.text}`);
    return res.body as Bundle;
  }

  /** Meter readings from TD03 for `retailerId`, over `supplyPoints` supply points in turn. */
  readings(count: number, retailerId: string, supplyPoints = 7): InboundEvent[] {
    return Array.from({ length: count }, (_, i) => {
      this.seed += 1;
      return factory.meterReading({
        seed: this.seed,
        area: '03',
        supplyPointId: `03${String(1000 + (i % supplyPoints)).padStart(20, '0')}`,
        retailerId,
        intervals: 4,
        sender: 'TD03',
      });
    });
  }

  /** Writes events to a party's inbox by Kafka, then waits until the gateway has processed all of it. */
  async send(sender: string, events: readonly InboundEvent[]): Promise<void> {
    const producer = await this.kafka.createProducer();
    try {
      await producer.send(
        events.map((e) => ({ topic: this.topics.inbox(sender), key: e.subject, value: toRecordValue(e) })),
      );
    } finally {
      await producer.disconnect();
    }
    await this.processed(sender);
  }

  /** Barrier: the gateway's group has committed past every record now in `sender`'s inbox. */
  async processed(sender: string): Promise<void> {
    await this.committedPastRecords(`${this.config.topicPrefix}.gateway`, this.topics.inbox(sender));
  }

  /**
   * Barrier: `group` has committed past every record now in `topic`. Measured from the records rather
   * than the high watermark: a transactional write ends with a commit marker, which a read_committed
   * consumer's committed offset (the offset after its last record) never passes.
   */
  async committedPastRecords(group: string, topic: string): Promise<void> {
    const ends = new Map<number, bigint>();
    for (const r of await readTopic(this.kafka, topic)) ends.set(r.partition, BigInt(r.offset) + 1n);
    await waitFor(
      async () => {
        const committed = new Map(
          (await this.kafka.committedOffsets(group, topic)).map((c) => [c.partition, BigInt(c.offset)]),
        );
        return [...ends].every(([partition, end]) => (committed.get(partition) ?? -1n) >= end);
      },
      { timeoutMs: 90_000, intervalMs: 200, what: `${group} to commit past every record in ${topic}` },
    );
  }

  /** What a read_committed Kafka reader finds on a party's outbox now: the ground truth. */
  async outbox(partyId: string): Promise<JsonObject[]> {
    const records = await readTopic(this.kafka, this.topics.outbox(partyId));
    return records.map((r) => JSON.parse(r.value!.toString('utf8')) as JsonObject);
  }

  /** Barrier: the HTTP mailbox's cursor (its consumer group) has reached the outbox's high watermark. */
  async acknowledgedAll(partyId: string): Promise<void> {
    await drained(
      this.kafka,
      `${this.config.topicPrefix}.mailbox.${partyId}`,
      [this.topics.outbox(partyId)],
      30_000,
    );
  }

  async waitForOutbox(partyId: string, count: number): Promise<JsonObject[]> {
    return waitFor(
      async () => {
        const events = await this.outbox(partyId);
        return events.length >= count ? events : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `${count} event(s) on ${partyId}'s outbox` },
    );
  }
}

/** Outbound ids grouped by supply point, in the order given. */
export function bySupplyPoint(events: readonly JsonObject[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of events) {
    const list = out.get(String(e.subject)) ?? [];
    list.push(String(e.id));
    out.set(String(e.subject), list);
  }
  return out;
}
