import { randomBytes } from 'node:crypto';
import { loadConfig, type KyodoConfig } from '@kyodo/config';
import { dropDatabase, ensureDatabase, withDatabase } from '@kyodo/infra';
import { KafkaJsClient, collectRecords, type ConsumedRecord } from '@kyodo/kafka';

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

export function testKafka(clientId = `test-${uniqueId()}`): KafkaJsClient {
  return new KafkaJsClient({ brokers: testBrokers(), clientId, defaultPartitions: 2 });
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
  kafka: KafkaJsClient,
  topics: readonly string[],
): Promise<{ records: CollectedRecord[]; stop: () => Promise<void> }> {
  return collectRecords(kafka, topics, `reader-${uniqueId()}`);
}
