import type { Server } from 'node:http';
import request from 'supertest';
import { supplyPointHmac } from '@kyodo/audit';
import { bearer, delivery, json, seedAudit, startApiTestBed, type ApiTestBed } from './api-harness';

// The endpoints the compliance console reads, and its pages, on the API as `kyodo run` builds it, over a
// seeded audit trail in real PostgreSQL. The browser test (test/console) drives them through Chromium.

const SPID = '0300000000000000000001';

interface Rejections {
  byDay: { day: string; reason: string; count: number }[];
  byReason: { reason: string; count: number }[];
  total: number;
  latest: { auditId: string; reason: string; inboundTopic: string; inboundOffset: string }[];
}

interface Minimisation {
  rows: {
    recipientRole: string;
    purpose: string;
    deliveries: number;
    fieldsDelivered: number;
    fieldsWithheld: number;
    withheld: { field: string; count: number }[];
  }[];
}

interface Run {
  kind: string;
  ok: boolean;
  summary: { rows: number; firstBad: { chainOffset: string; id: string; problem: string } | null };
}

describe('the console API and pages (real PostgreSQL)', () => {
  let bed: ApiTestBed;
  let server: Server;
  let auditor: string;
  let admin: string;

  const rejected = (id: string, time: string, reason: 'invalid-data' | 'unparseable', offset: number) =>
    delivery({
      id,
      time,
      outcome: 'rejected',
      reason,
      recipientId: null,
      recipientRole: null,
      relations: [],
      purposes: [],
      fieldsDelivered: [],
      fieldsWithheld: [],
      outboundId: null,
      inboundId: `secret-looking-id-${offset}`,
      inboundOffset: String(offset),
    });

  beforeAll(async () => {
    bed = await startApiTestBed();
    server = bed.app.getHttpServer() as Server;
    auditor = bearer(await bed.key('auditor'));
    admin = bearer(await bed.key('registry-admin'));
    const hmac = supplyPointHmac(bed.config.auditHmacKey, SPID);
    await seedAudit(bed.ds, [
      delivery({
        id: 'a0000000-0000-5000-8000-000000000001',
        time: '2026-11-27T05:00:01.000Z',
        supplyPointHmac: hmac,
        inboundOffset: '1',
        outboundId: 'b0000000-0000-5000-8000-000000000001',
      }),
      delivery({
        id: 'a0000000-0000-5000-8000-000000000002',
        time: '2026-11-27T05:00:02.000Z',
        supplyPointHmac: hmac,
        recipientId: 'R0001',
        recipientRole: 'retailer',
        relations: ['contract-retailer'],
        fieldsDelivered: ['meterId', 'intervals', 'totalKwh', 'customer.contractNumber'],
        fieldsWithheld: [],
        inboundOffset: '2',
        outboundId: 'b0000000-0000-5000-8000-000000000002',
      }),
      rejected('a0000000-0000-5000-8000-000000000003', '2026-11-27T06:00:00.000Z', 'invalid-data', 3),
      rejected('a0000000-0000-5000-8000-000000000004', '2026-11-27T07:00:00.000Z', 'invalid-data', 4),
      // 16:00 UTC is the next day in Japan.
      rejected('a0000000-0000-5000-8000-000000000005', '2026-11-28T16:00:00.000Z', 'unparseable', 5),
    ]);
  });

  afterAll(async () => {
    await bed?.close();
  });

  const post = (path: string, body: unknown, authorization?: string) => {
    const req = request(server)
      .post(path)
      .send(body as object);
    return authorization === undefined ? req : req.set('Authorization', authorization);
  };

  it('POST /v1/disclosures/search answers what GET does, with the supply point in the body only', async () => {
    const viaGet = await bed.get(`/v1/disclosures?supplyPointId=${SPID}`, auditor);
    const viaPost = await post('/v1/disclosures/search', { supplyPointId: SPID }, auditor);
    expect(viaPost.status).toBe(200);
    expect(viaPost.headers['cache-control']).toBe('no-store');
    expect(viaPost.body).toEqual(viaGet.body);
    expect((viaPost.body as { items: unknown[] }).items).toHaveLength(2);

    const csv = await post(
      '/v1/disclosures/search',
      { supplyPointId: SPID, format: 'csv', recipientId: 'R0001' },
      auditor,
    );
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.text.split('\r\n').filter(Boolean)).toHaveLength(2);

    const bad = await post('/v1/disclosures/search', { supplyPointId: '1100000000000000000001' }, auditor);
    expect(bad.status).toBe(400);
    expect(bad.text).not.toContain('1100000000000000000001');
    const extra = await post('/v1/disclosures/search', { supplyPointId: SPID, name: 'x' }, auditor);
    expect(extra.status).toBe(400);
    expect((extra.body as { message: string }).message).toBe('name is not a parameter of this endpoint');

    expect((await post('/v1/disclosures/search', { supplyPointId: SPID })).status).toBe(401);
    expect((await post('/v1/disclosures/search', { supplyPointId: SPID }, admin)).status).toBe(403);
  });

  it('GET /v1/audit/rejections counts per day in Japan and reason, and lists the latest without content', async () => {
    const res = await bed.get('/v1/audit/rejections', auditor);
    expect(res.status).toBe(200);
    const report = json<Rejections>(res);
    expect(report.byDay).toEqual([
      { day: '2026-11-27', reason: 'invalid-data', count: 2 },
      { day: '2026-11-29', reason: 'unparseable', count: 1 },
    ]);
    expect(report.byReason).toEqual([
      { reason: 'invalid-data', count: 2 },
      { reason: 'unparseable', count: 1 },
    ]);
    expect(report.total).toBe(3);
    expect(report.latest.map((r) => r.inboundOffset)).toEqual(['5', '4', '3']);
    expect(res.text).not.toContain('secret-looking-id');
    expect(res.text).not.toContain('supplyPointHmac');

    const windowed = json<Rejections>(
      await bed.get('/v1/audit/rejections?from=2026-11-28&to=2026-11-30', auditor),
    );
    expect(windowed.total).toBe(1);
    expect((await bed.get('/v1/audit/rejections?from=yesterday', auditor)).status).toBe(400);
    expect((await bed.get('/v1/audit/rejections', admin)).status).toBe(403);
  });

  it('GET /v1/audit/minimisation sums fields delivered and withheld per role and purpose', async () => {
    const report = json<Minimisation>(await bed.get('/v1/audit/minimisation', auditor));
    expect(report.rows).toEqual([
      expect.objectContaining({
        recipientRole: 'retailer',
        purpose: 'td-operations',
        deliveries: 1,
        fieldsDelivered: 4,
        fieldsWithheld: 0,
        withheld: [],
      }),
      expect.objectContaining({
        recipientRole: 'tdso',
        purpose: 'td-operations',
        deliveries: 1,
        fieldsDelivered: 3,
        fieldsWithheld: 1,
        withheld: [{ field: 'customer.contractNumber', count: 1 }],
      }),
    ]);
  });

  it('GET /v1/registry/counts gives numbers to auditors and registry admins, and no names', async () => {
    for (const key of [auditor, admin]) {
      const res = await bed.get('/v1/registry/counts', key);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        parties: { total: 0, byRoleAndArea: [] },
        enrollments: { total: 0, inForce: 0 },
        consents: { total: 0, inForce: 0, revoked: 0 },
      });
      expect(res.text).not.toContain('items');
    }
  });

  it('GET /v1/whoami names the key; 401 without one', async () => {
    const res = await bed.get('/v1/whoami', auditor);
    expect(res.body).toMatchObject({ role: 'auditor', prefix: expect.stringMatching(/^kyodo_/) as string });
    expect(res.text).not.toContain(auditor.slice('Bearer '.length));
    expect((await bed.get('/v1/whoami')).status).toBe(401);
  });

  it('POST /v1/audit/verify records each run; GET /v1/audit/health shows the last, a broken chain named', async () => {
    expect(json<{ lastVerify: null }>(await bed.get('/v1/audit/health', auditor)).lastVerify).toBeNull();
    const good = await post('/v1/audit/verify', {}, auditor);
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ kind: 'verify', ok: true, summary: { rows: 5, firstBad: null } });

    await bed.ds.query(`UPDATE audit_record SET fields_withheld = '{}' WHERE id = $1`, [
      'a0000000-0000-5000-8000-000000000001',
    ]);
    const broken = json<Run>(await post('/v1/audit/verify', {}, auditor));
    expect(broken.ok).toBe(false);
    expect(broken.summary.firstBad).toMatchObject({
      chainOffset: '0',
      id: 'a0000000-0000-5000-8000-000000000001',
      problem: 'edited',
    });
    const health = json<{ heads: { partition: number; offset: string }[]; lastVerify: Run }>(
      await bed.get('/v1/audit/health', auditor),
    );
    expect(health.heads).toEqual([expect.objectContaining({ partition: 0, offset: '4' })]);
    expect(health.lastVerify).toMatchObject({ ok: false });
    const runs: { n: number }[] = await bed.ds.query(`SELECT count(*)::int AS n FROM audit_check_run`);
    expect(runs[0].n).toBe(2);
    expect((await post('/v1/audit/verify', {}, admin)).status).toBe(403);
  });

  it('serves the console pages and assets without a key, under a strict content security policy', async () => {
    const page = await bed.get('/console/disclosures?lang=ja');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.text).toContain('<html lang="ja">');
    expect(page.text).toContain('供給地点特定番号');
    expect(page.text).not.toMatch(/https?:\/\//);
    expect((await bed.get('/console', undefined)).text).toContain('id="api-key"');
    const english = await request(server).get('/console').set('Accept-Language', 'en-GB,en;q=0.8');
    expect(english.text).toContain('<html lang="en">');
    const chart = await bed.get('/console/assets/chart.umd.min.js');
    expect(chart.status).toBe(200);
    expect(chart.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(chart.headers['cache-control']).toBe('no-cache');
    expect((await bed.get('/console/assets/console.js')).status).toBe(200);
    expect((await bed.get('/console/assets/package.json')).status).toBe(404);
    expect((await bed.get('/console/assets/..%2F..%2Fpackage.json')).status).toBe(404);
    expect((await bed.get('/console/elsewhere')).status).toBe(404);
  });
});
