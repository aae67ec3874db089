import { randomBytes } from 'node:crypto';
import { loadConfig, type KyodoConfig } from '@kyodo/config';
import { dropDatabase, ensureDatabase, withDatabase } from '@kyodo/infra';
import { collectRecords, createKafkaClient, type ConsumedRecord, type KafkaPort } from '@kyodo/kafka';

/** A short random suffix: unique topic prefixes, consumer groups and database names per test file. */
export function uniqueId(): string {
  return randomBytes(5).toString('hex');
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the integration tests through jest's global setup`);
  return value;
}

export function testBrokers(): string[] {
  return required('KAFKA_BROKERS').split(',');
}

/** A fresh database cloned from the migrated template; drop it in afterAll. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = required('KYODO_TEST_DATABASE_URL');
  const url = withDatabase(base, `kyodo_test_${uniqueId()}`);
  await ensureDatabase(url, required('KYODO_TEST_TEMPLATE_DATABASE'));
  return { url, drop: () => dropDatabase(url) };
}

/** The configuration a test file's apps run with: its own topic prefix and database. */
export function testConfig(overrides: Partial<KyodoConfig> & { databaseUrl: string }): KyodoConfig {
  return {
    ...loadConfig({
      ...process.env,
      KYODO_TOPIC_PREFIX: `t${uniqueId()}`,
      KYODO_AUDIT_HMAC_KEY: `test-${uniqueId()}${uniqueId()}`,
    }),
    registryRefreshMs: 200,
    partitionsPerTopic: 2,
    ...overrides,
  };
}

/** A Kafka client on the adapter the suite runs with (KYODO_KAFKA_CLIENT, default platformatic). */
export function testKafka(clientId = `test-${uniqueId()}`): KafkaPort {
  return createKafkaClient({
    client: loadConfig().kafkaClient,
    brokers: testBrokers(),
    clientId,
    defaultPartitions: 2,
  });
}

/** Polls `condition` until it holds; never sleeps a fixed time. */
export async function waitFor<T>(
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 30_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const result = await condition();
      if (result !== undefined && result !== false) return result;
    } catch (error) {
      last = error;
    }
    await new Promise((done) => setTimeout(done, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
  );
}

export type CollectedRecord = ConsumedRecord;

/**
 * Reads topics with read_committed from the beginning into an array, in the background.
 * `records` grows as records arrive; call `stop()` in afterAll.
 */
export async function collect(
  kafka: KafkaPort,
  topics: readonly string[],
): Promise<{ records: CollectedRecord[]; stop: () => Promise<void> }> {
  return collectRecords(kafka, topics, `reader-${uniqueId()}`);
}

/**
 * The barrier of an exactly-once check: waits until `groupId` has committed everything now in `topics`
 * (its committed offsets reach the high watermarks taken when called).
 */
export async function drained(
  kafka: KafkaPort,
  groupId: string,
  topics: readonly string[],
  timeoutMs = 90_000,
): Promise<void> {
  const targets = await Promise.all(
    topics.map(async (topic) => ({ topic, offsets: await kafka.topicOffsets(topic) })),
  );
  await waitFor(
    async () => {
      for (const { topic, offsets } of targets) {
        const committed = new Map(
          (await kafka.committedOffsets(groupId, topic)).map((c) => [c.partition, BigInt(c.offset)]),
        );
        for (const o of offsets) {
          if (BigInt(o.high) > BigInt(o.low) && (committed.get(o.partition) ?? -1n) < BigInt(o.high))
            return false;
        }
      }
      return true;
    },
    { timeoutMs, intervalMs: 200, what: `${groupId} to commit everything in ${topics.length} topic(s)` },
  );
}

/** Everything a read_committed reader sees in `topic`, up to the high watermark as it is when called. */
export async function readTopic(kafka: KafkaPort, topic: string): Promise<ConsumedRecord[]> {
  const offsets = await kafka.topicOffsets(topic);
  return kafka.readPartitions(
    topic,
    offsets.map((o) => ({ partition: o.partition, from: o.low })),
  );
}
