import { DataSource, MigrationExecutor } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export interface DataSourceOptions {
  /** Most connections held open (default 10). */
  readonly poolSize?: number;
  /** Shown in pg_stat_activity (default `kyodo`). */
  readonly applicationName?: string;
  /** Give up connecting after this long (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Close connections idle this long (default 30 s). */
  readonly idleTimeoutMs?: number;
  /** Server-side limit per statement; 0 = none (default). */
  readonly statementTimeoutMs?: number;
  readonly logging?: boolean;
}

/**
 * A DataSource for Kyodo's database, not yet initialised. The schema comes only from the migrations:
 * never synchronised, and migrations run when `runMigrations` is called, not on initialise.
 */
export function createDataSource(databaseUrl: string, options: DataSourceOptions = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'kyodo_migrations',
    migrationsRun: false,
    synchronize: false,
    logging: options.logging ?? false,
    applicationName: options.applicationName ?? 'kyodo',
    poolSize: options.poolSize ?? 10,
    connectTimeoutMS: options.connectTimeoutMs ?? 10_000,
    extra: {
      idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    },
  });
}

/**
 * Applies pending migrations, each in its own transaction; returns the names applied (empty when up
 * to date). Concurrent callers are serialised by an advisory lock, so two apps starting together do
 * not race.
 */
export async function runMigrations(ds: DataSource): Promise<string[]> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      // Same connection as the lock, so this also works with a pool of one.
      const executor = new MigrationExecutor(ds, runner);
      executor.transaction = 'each';
      const applied = await executor.executePendingMigrations();
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
  }
}

/** Advisory lock key serialising migrations ("kyodo" in ASCII). */
const MIGRATION_LOCK = 0x6b796f646f;
