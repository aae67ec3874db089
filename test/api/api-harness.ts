import type { Server } from 'node:http';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { type AuditRecord, type ChainInput } from '@kyodo/audit';
import type { KyodoConfig } from '@kyodo/config';
import { createLogger } from '@kyodo/observability';
import { ApiKeyRepository, AuditRepository, createDataSource, type ApiKeyRole } from '@kyodo/persistence';
import { startApp } from '@kyodo/platform';
import { auditRecordFixture } from '../../libs/audit/src/testing';
import { ApiModule } from '../../apps/api/src/api.module';
import { createTestDatabase, testConfig } from '../support/harness';

export interface ApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly text: string;
  /** Parsed JSON; cast to what the test expects. */
  readonly body: unknown;
}

export interface ApiTestBed {
  readonly config: KyodoConfig;
  readonly app: INestApplication;
  readonly ds: DataSource;
  /** GET `path` with this Authorization header (none when omitted). */
  get(path: string, authorization?: string): Promise<ApiResponse>;
  /** A fresh active key of this role. */
  key(role: ApiKeyRole): Promise<string>;
  close(): Promise<void>;
}

/**
 * The API on the platform, as `kyodo run` starts it, on a fresh database and a free port; `overrides`
 * change its configuration (an unreachable broker, say).
 */
export async function startApiTestBed(
  extra: (Type | DynamicModule)[] = [],
  overrides: Partial<KyodoConfig> = {},
): Promise<ApiTestBed> {
  const db = await createTestDatabase();
  const config = testConfig({ ...overrides, databaseUrl: db.url });
  const app = await startApp('api-test', [ApiModule, ...extra], {
    config,
    logger: createLogger('silent'),
    port: 0,
  });
  const ds = createDataSource(db.url, { poolSize: 2 });
  await ds.initialize();
  const server = app.getHttpServer() as Server;
  return {
    config,
    app,
    ds,
    get: async (path, authorization) => {
      const req = request(server).get(path);
      const res = authorization === undefined ? await req : await req.set('Authorization', authorization);
      return {
        status: res.status,
        headers: res.headers,
        text: res.text,
        body: res.body as unknown,
      };
    },
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

export function bearer(secret: string): string {
  return `Bearer ${secret}`;
}

/** The JSON body of a response, as the test expects it to be shaped. */
export function json<T>(res: ApiResponse): T {
  return res.body as T;
}
