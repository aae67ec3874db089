import { Controller, Get, Module } from '@nestjs/common';
import { ApiKeyRepository } from '@kyodo/persistence';
import { bearer, json, startApiTestBed, type ApiTestBed } from './api-harness';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

interface OpenApiOperation {
  security: unknown;
  parameters: { name: string; required?: boolean }[];
  responses: Record<string, unknown>;
}

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, { get: OpenApiOperation }>;
  components: {
    securitySchemes: Record<string, unknown>;
    schemas: Record<string, { properties: Record<string, { items?: { $ref?: string } }> }>;
  };
}

@Controller('test-failure')
class FailingController {
  @Get()
  fail(): never {
    throw new Error('database password is hunter2 at /srv/kyodo/secret.ts:42');
  }
}

@Module({ controllers: [FailingController] })
class FailingModule {}

// The HTTP API's access rules, error shape and OpenAPI document, on the platform as `kyodo run` builds it.
describe('HTTP API: access, errors, OpenAPI (real PostgreSQL)', () => {
  let bed: ApiTestBed;
  let auditor: string;
  let admin: string;
  let revoked: string;

  beforeAll(async () => {
    bed = await startApiTestBed([FailingModule]);
    auditor = bearer(await bed.key('auditor'));
    admin = bearer(await bed.key('registry-admin'));
    const repository = new ApiKeyRepository(bed.ds);
    const made = await repository.create('auditor');
    await repository.revoke(made.id);
    revoked = made.secret;
  });

  afterAll(async () => {
    await bed?.close();
  });

  const SPID = '0300000000000000000001';

  it('refuses /v1/ without a key: 401, WWW-Authenticate: Bearer', async () => {
    const res = await bed.get(`/v1/disclosures?supplyPointId=${SPID}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="kyodo"');
    expect(res.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'an API key is required: send Authorization: Bearer <api key>',
    });
  });

  it.each([
    ['an unknown key', () => 'kyodo_not-a-key'],
    ['a revoked key', () => revoked],
  ])('refuses %s with 401 invalid_token', async (_label, secret) => {
    const res = await bed.get('/v1/audit', bearer(secret()));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="kyodo", error="invalid_token"');
    expect(json<ErrorBody>(res).message).toBe('the API key is unknown or revoked');
  });

  it('refuses another scheme than Bearer', async () => {
    const res = await bed.get('/v1/audit', auditor.replace(/^Bearer/, 'Basic'));
    expect(res.status).toBe(401);
  });

  it('refuses a key outside its role with 403', async () => {
    const asAdmin = await bed.get(`/v1/disclosures?supplyPointId=${SPID}`, admin);
    expect(asAdmin.status).toBe(403);
    expect(asAdmin.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'an API key with role registry-admin may not use GET /v1/disclosures',
    });
    for (const path of ['/v1/registry', '/v1/registry/parties']) {
      expect((await bed.get(path, auditor)).status).toBe(403);
    }
    expect((await bed.get('/v1/audit', admin)).status).toBe(403);
    expect((await bed.get('/v1/reconciliation', admin)).status).toBe(403);
  });

  it('answers the right role with 200', async () => {
    const disclosures = await bed.get(`/v1/disclosures?supplyPointId=${SPID}`, auditor);
    expect(disclosures.status).toBe(200);
    expect(disclosures.body).toEqual({
      supplyPointId: SPID,
      from: null,
      to: null,
      recipientId: null,
      items: [],
      notices: [],
    });

    const audit = await bed.get('/v1/audit', auditor.replace(/^Bearer/, 'bearer'));
    expect(audit.status).toBe(200);
    expect(audit.body).toEqual({ items: [], nextCursor: null });

    const registry = await bed.get('/v1/registry', admin);
    expect(registry.status).toBe(200);
    expect(registry.body).toMatchObject({
      version: '0',
      parties: {
        total: 0,
        byRole: { retailer: 0, tdso: 0, occto: 0, aggregator: 0, 'third-party': 0 },
        items: [],
      },
      enrollments: { total: 0, inForce: 0 },
      consents: { total: 0, inForce: 0, revoked: 0 },
    });
    const parties = await bed.get('/v1/registry/parties', admin);
    expect(parties.status).toBe(200);
    expect(parties.body).toEqual([]);
  });

  it('serves health, metrics and the OpenAPI document without a key', async () => {
    expect((await bed.get('/health/live')).status).toBe(200);
    expect((await bed.get('/metrics')).status).toBe(200);
    const res = await bed.get('/openapi.json');
    expect(res.status).toBe(200);
    const doc = json<OpenApiDoc>(res);
    expect(doc.openapi).toMatch(/^3\./);
    expect(
      Object.keys(doc.paths)
        .filter((path) => path.startsWith('/v1/'))
        .sort(),
    ).toEqual([
      '/v1/audit',
      '/v1/audit/health',
      '/v1/audit/minimisation',
      '/v1/audit/rejections',
      '/v1/audit/verify',
      '/v1/disclosures',
      '/v1/disclosures/search',
      '/v1/inbox',
      '/v1/mailbox',
      '/v1/mailbox/bundles/{bundleId}',
      '/v1/reconciliation',
      '/v1/reconciliation/runs',
      '/v1/registry',
      '/v1/registry/counts',
      '/v1/registry/parties',
      '/v1/subject-notices',
      '/v1/whoami',
    ]);
    expect(doc.components.securitySchemes['api-key']).toMatchObject({ type: 'http', scheme: 'bearer' });
    const disclosures = doc.paths['/v1/disclosures'].get;
    expect(disclosures.security).toEqual([{ 'api-key': [] }]);
    expect(disclosures.parameters.map((p) => p.name).sort()).toEqual([
      'format',
      'from',
      'recipientId',
      'supplyPointId',
      'to',
    ]);
    expect(disclosures.parameters.find((p) => p.name === 'supplyPointId')?.required).toBe(true);
    expect(Object.keys(disclosures.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    expect(doc.components.schemas.DisclosureReportDto.properties.items.items?.$ref).toBe(
      '#/components/schemas/DisclosureDto',
    );
  });

  it('names the offending parameter in a 400', async () => {
    const cases: [string, string][] = [
      [
        'supplyPointId=1100000000000000000001',
        'supplyPointId must be 22 digits, the first two an area 01..10',
      ],
      [
        'supplyPointId=030000000000000000001',
        'supplyPointId must be 22 digits, the first two an area 01..10',
      ],
      [`supplyPointId=${SPID}&from=yesterday`, 'from must be an RFC 3339 date-time'],
      [`supplyPointId=${SPID}&to=2026-11-27T05:00:00`, 'to must be an RFC 3339 date-time'],
      [`supplyPointId=${SPID}&from=2026-11-28&to=2026-11-27`, 'to must be later than from'],
      [`supplyPointId=${SPID}&recipientId=td03`, 'recipientId must be a party id'],
      [`supplyPointId=${SPID}&format=xml`, 'format must be json or csv'],
      [`supplyPointId=${SPID}&recipient=TD03`, 'recipient is not a parameter of this endpoint'],
    ];
    for (const [query, message] of cases) {
      const res = await bed.get(`/v1/disclosures?${query}`, auditor);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(json<ErrorBody>(res).error).toBe('Bad Request');
      expect(json<ErrorBody>(res).message).toContain(message);
    }
    const limit = await bed.get('/v1/audit?limit=1001', auditor);
    expect(limit.status).toBe(400);
    expect(json<ErrorBody>(limit).message).toBe('limit must be between 1 and 1000');
    const cursor = await bed.get('/v1/audit?after=bm90LWEtY3Vyc29y', auditor);
    expect(cursor.status).toBe(400);
    expect(json<ErrorBody>(cursor).message).toBe('after must be a nextCursor returned by this endpoint');
  });

  it('answers an unexpected error with a bare 500: no stack trace, no detail', async () => {
    const res = await bed.get('/test-failure');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'internal server error',
    });
    expect(res.text).not.toMatch(/hunter2|secret\.ts|\bat\s/);
  });

  it('keeps the body of 404s in the same shape', async () => {
    const res = await bed.get('/v1/nothing-here', auditor);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /v1/nothing-here' });
  });
});
