import type { Server } from 'node:http';
import request from 'supertest';
import { bearer, startApiTestBed, type ApiTestBed } from './api-harness';

// The HTTP API's production posture: security headers, 401 / 403, 400 for malformed and injection
// attempts in every parameter, 413 for an oversized body, 429 past the rate limit, and error bodies
// that never carry anything internal (no stack, no SQL, no driver message).

const RATE_LIMIT = 150;
const BODY_LIMIT = 2048;

/** What an error body may hold: the status, its name and a message; nothing from inside. */
function expectSafeError(res: { status: number; body: unknown; text: string }, status: number): void {
  expect(res.status).toBe(status);
  expect(Object.keys(res.body as object).sort()).toEqual(['error', 'message', 'statusCode']);
  expect(res.text).not.toMatch(/\bat \S+ \(|QueryFailed|SELECT |INSERT |pg_|node_modules|typeorm|\.ts:\d+/i);
}

const INJECTIONS = [
  "' OR '1'='1",
  "0300000000000000000001'; DROP TABLE audit_record; --",
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '../../etc/passwd',
  '\u0000',
  'x'.repeat(5000),
];

const PARAMETERS: Record<string, { path: string; valid: Record<string, string> }> = {
  supplyPointId: { path: '/v1/disclosures', valid: {} },
  from: { path: '/v1/disclosures', valid: { supplyPointId: '0300000000000000000001' } },
  to: { path: '/v1/disclosures', valid: { supplyPointId: '0300000000000000000001' } },
  recipientId: { path: '/v1/disclosures', valid: { supplyPointId: '0300000000000000000001' } },
  format: { path: '/v1/disclosures', valid: { supplyPointId: '0300000000000000000001' } },
  type: { path: '/v1/audit', valid: {} },
  outcome: { path: '/v1/audit', valid: {} },
  after: { path: '/v1/audit', valid: {} },
  limit: { path: '/v1/audit', valid: {} },
  'audit.recipientId': { path: '/v1/audit', valid: {} },
  'audit.from': { path: '/v1/audit', valid: {} },
  'reconciliation.from': { path: '/v1/reconciliation', valid: {} },
  'reconciliation.to': { path: '/v1/reconciliation', valid: {} },
};

describe('HTTP API posture (real PostgreSQL)', () => {
  let bed: ApiTestBed;
  let server: Server;
  let auditor: string;

  beforeAll(async () => {
    bed = await startApiTestBed([], {
      http: { host: '127.0.0.1', tls: undefined, rateLimitPerMinute: RATE_LIMIT, bodyLimitBytes: BODY_LIMIT },
    });
    server = bed.app.getHttpServer() as Server;
    auditor = await bed.key('auditor');
  });

  afterAll(async () => {
    await bed?.close();
  });

  it('binds the configured address and sends security headers', async () => {
    expect((server.address() as { address: string }).address).toBe('127.0.0.1');
    const res = await bed.get('/health/live');
    expect(res.status).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('401 without a key or with an unknown one, 403 with the wrong role', async () => {
    expectSafeError(await bed.get('/v1/audit'), 401);
    expectSafeError(await bed.get('/v1/audit', bearer('kyodo_not-a-real-key-000000000000000000000000')), 401);
    expectSafeError(await bed.get('/v1/audit', "Bearer ' OR 1=1 --"), 401);
    const admin = await bed.key('registry-admin');
    expectSafeError(await bed.get('/v1/audit', bearer(admin)), 403);
  });

  it.each(Object.keys(PARAMETERS))('400 for malformed and injection attempts in %s', async (name) => {
    const { path, valid } = PARAMETERS[name];
    const parameter = name.includes('.') ? name.split('.')[1] : name;
    for (const attempt of INJECTIONS) {
      const query = new URLSearchParams({ ...valid, [parameter]: attempt }).toString();
      const res = await bed.get(`${path}?${query}`, bearer(auditor));
      expectSafeError(res, 400);
      // The offending value is never echoed back (it may be personal data, or an attack).
      if (attempt.length > 3) expect(res.text).not.toContain(attempt);
    }
  });

  it('413 for a body over the limit, 400 for one that is not JSON, both before any route', async () => {
    const big = await request(server)
      .post('/v1/audit')
      .set('Authorization', bearer(auditor))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ filler: 'x'.repeat(BODY_LIMIT * 2) }));
    expectSafeError(big, 413);
    const broken = await request(server)
      .post('/v1/audit')
      .set('Authorization', bearer(auditor))
      .set('Content-Type', 'application/json')
      .send('{"unterminated": ');
    expectSafeError(broken, 400);
    expect(broken.text).not.toContain('unterminated');
  });

  it('429 past the rate limit, with Retry information and a safe body', async () => {
    let limited: request.Response | undefined;
    for (let i = 0; i < RATE_LIMIT + 5 && !limited; i++) {
      const res = await request(server).get('/v1/audit?limit=1').set('Authorization', bearer(auditor));
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(200);
    }
    expect(limited).toBeDefined();
    expectSafeError(limited!, 429);
    expect(limited!.headers.ratelimit ?? limited!.headers['retry-after']).toBeDefined();
    // Health stays reachable for probes whatever the API's rate.
    expect((await bed.get('/health/live')).status).toBe(200);
  });
});
