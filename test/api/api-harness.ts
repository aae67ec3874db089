import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { type AuditRecord, type ChainInput } from '@kyodo/audit';
import type { KyodoConfig } from '@kyodo/config';
import { createLogger } from '@kyodo/observability';
import { ApiKeyRepository, AuditRepository, createDataSource, type ApiKeyRole } from '@kyodo/persistence';
import { startApp } from '@kyodo/platform';
import { auditRecordFixture } from '../../libs/audit/src/testing';
import { ApiModule } from '../../apps/api/src/api.module';
import { createTestDatabase, testConfig } from '../support/harness';

export interface ApiTestBed {
  readonly config: KyodoConfig;
  readonly app: INestApplication;
  readonly ds: DataSource;
  /** A fresh active key of this role. */
  key(role: ApiKeyRole): Promise<string>;
  close(): Promise<void>;
}

/** The API on the platform, as `kyodo run` starts it, on a fresh database and a free port. */
export async function startApiTestBed(extra: (Type | DynamicModule)[] = []): Promise<ApiTestBed> {
  const db = await createTestDatabase();
  const config = testConfig({ databaseUrl: db.url });
  const app = await startApp('api-test', [ApiModule, ...extra], {
    config,
    logger: createLogger('silent'),
    port: 0,
  });
  const ds = createDataSource(db.url, { poolSize: 2 });
  await ds.initialize();
  return {
    config,
    app,
    ds,
    key: async (role) => (await new ApiKeyRepository(ds).create(role)).secret,
    close: async () => {
      await app.close();
      await ds.destroy();
      await db.drop();
    },
  };
}

/** Appends records as the audit writer would: one chain (partition 0) in the order given. */
export async function seedAudit(
  ds: DataSource,
  records: readonly AuditRecord[],
  firstOffset = 0,
): Promise<void> {
  const inputs: ChainInput[] = records.map((record, i) => ({
    record,
    chainPartition: 0,
    chainOffset: String(firstOffset + i),
  }));
  const result = await new AuditRepository(ds).appendBatch(inputs);
  if (result.inserted !== records.length)
    throw new Error(`seeded ${result.inserted} of ${records.length} rows`);
}

export function delivery(overrides: Partial<AuditRecord>): AuditRecord {
  return auditRecordFixture({ outcome: 'delivered', reason: null, ...overrides });
}
