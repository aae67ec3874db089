// Global setup runs outside jest's module mapper: resolve the @kyodo/* aliases from tsconfig.json.
import 'tsconfig-paths/register';
import { spawnSync } from 'node:child_process';
import { dropDatabase, ensureDatabase, withDatabase } from '@kyodo/infra';
import { createDataSource, runMigrations } from '@kyodo/persistence';
import { REPO_ROOT, resolveTestEnvironment, type TestEnvironment } from './environment';

// One template per run, so two suites on one server (two checkouts, say) never drop each other's.
export const TEMPLATE_DATABASE = `kyodo_test_template_${process.pid}`;

declare global {
  var __KYODO_TEST_ENV__: TestEnvironment | undefined;
  var __KYODO_TEST_TEMPLATE_URL__: string | undefined;
}

/** Runs once before the integration tests: find Kafka and PostgreSQL, and migrate the template database. */
export default async function globalSetup(): Promise<void> {
  // Tests that run `kyodo` as a separate process use the compiled CLI: build it (incremental, seconds).
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
  const env = await resolveTestEnvironment();
  globalThis.__KYODO_TEST_ENV__ = env;
  const templateUrl = withDatabase(env.databaseUrl, TEMPLATE_DATABASE);
  await dropDatabase(templateUrl);
  await ensureDatabase(templateUrl);
  const ds = createDataSource(templateUrl);
  await ds.initialize();
  try {
    await runMigrations(ds);
  } finally {
    await ds.destroy();
  }
  // Test workers are spawned after this and inherit these.
  process.env.KAFKA_BROKERS = env.brokers.join(',');
  process.env.KYODO_TEST_DATABASE_URL = env.databaseUrl;
  process.env.KYODO_TEST_TEMPLATE_DATABASE = TEMPLATE_DATABASE;
  globalThis.__KYODO_TEST_TEMPLATE_URL__ = templateUrl;
}
