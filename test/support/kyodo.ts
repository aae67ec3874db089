import type { INestApplication } from '@nestjs/common';
import { RegistrySnapshot, topicsFor, type RegistryData, type Topics } from '@kyodo/contracts';
import type { KyodoConfig } from '@kyodo/config';
import type { KafkaPort } from '@kyodo/kafka';
import { createLogger } from '@kyodo/observability';
import { RegistryRepository, createDataSource, runMigrations } from '@kyodo/persistence';
import { provisionTopics, startApp, topicOptions } from '@kyodo/platform';
import { AuditModule } from '../../apps/audit/src/audit.module';
import { GatewayModule } from '../../apps/gateway/src/gateway.module';

/** Upserts a registry into the test database and creates its parties' topics, as `registry import` does. */
export async function importRegistry(
  config: KyodoConfig,
  kafka: KafkaPort,
  data: RegistryData,
): Promise<void> {
  const ds = createDataSource(config.databaseUrl);
  await ds.initialize();
  try {
    await runMigrations(ds);
    await new RegistryRepository(ds).importRegistry(data);
  } finally {
    await ds.destroy();
  }
  const snapshot = new RegistrySnapshot(data);
  await provisionTopics(
    kafka,
    topicsFor(config.topicPrefix),
    snapshot.parties.keys(),
    config.partitionsPerTopic,
    topicOptions(config),
  );
}

/** The gateway and the audit writer in this process, on the test's topics and database. */
export async function startKyodo(
  config: KyodoConfig,
  modules = [GatewayModule, AuditModule],
): Promise<{ app: INestApplication; topics: Topics; stop: () => Promise<void> }> {
  const logger = createLogger(process.env.KYODO_TEST_LOG_LEVEL ?? 'error');
  const app = await startApp('kyodo-test', modules, { config, logger, port: 0 });
  return { app, topics: topicsFor(config.topicPrefix), stop: () => app.close() };
}
