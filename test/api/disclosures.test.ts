import { sealedText, supplyPointHmac, type AuditRecord } from '@kyodo/audit';
import type { AuditPage } from '@kyodo/persistence';
import type { DisclosureReport } from '../../apps/api/src/disclosures/disclosures.service';
import { bearer, delivery, json, seedAudit, startApiTestBed, type ApiTestBed } from './api-harness';

const SPID = '0300000000000000000001';
const OTHER = '0300000000000000000002';
const CONSENTED = '0300000000000000000003';

// GET /v1/disclosures over audit rows appended as the audit writer appends them.
describe('GET /v1/disclosures (real PostgreSQL)', () => {
  let bed: ApiTestBed;
  let auditor: string;
  const get = (query: string) => bed.get(`/v1/disclosures?${query}`, bearer(auditor));
  const report = async (query: string) => json<DisclosureReport>(await get(query));

  let rows: AuditRecord[];

  beforeAll(async () => {
    bed = await startApiTestBed();
    auditor = await bed.key('auditor');
    const hmac = supplyPointHmac(bed.config.auditHmacKey, SPID);
    rows = [
      delivery({
        id: 'a0000000-0000-5000-8000-000000000001',
        time: '2026-11-27T05:00:01.234Z',
        supplyPointHmac: hmac,
        type: 'jp.kyodo.meter-reading.v1',
        recipientId: 'TD03',
        recipientRole: 'tdso',
        purposes: ['td-operations'],
        fieldsDelivered: ['meterId', 'intervals', 'totalKwh'],
        fieldsWithheld: ['customer.contractNumber'],
        policyVersion: '2026-11-01',
        outboundId: 'b0000000-0000-5000-8000-000000000001',
      }),
      // Same instant as the first: ordered by audit id.
      delivery({
        id: 'a0000000-0000-5000-8000-000000000002',
        time: '2026-11-27T05:00:01.234Z',
        supplyPointHmac: hmac,
        type: 'jp.kyodo.meter-reading.v1',
        recipientId: 'R0001',
        recipientRole: 'retailer',
        purposes: ['td-operations'],
        fieldsDelivered: ['meterId', 'intervals', 'totalKwh', 'customer.contractNumber'],
        fieldsWithheld: [],
        policyVersion: '2026-11-01',
        outboundId: 'b0000000-0000-5000-8000-000000000002',
      }),
      // Not a delivery: never listed.
      delivery({
        id: 'a0000000-0000-5000-8000-000000000003',
        time: '2026-11-27T06:00:00Z',
        supplyPointHmac: hmac,
        outcome: 'rejected',
        reason: 'unknown-party',
        // As the gateway writes a rejected record: the sender's id and unknown type sealed.
        inboundId: sealedText(bed.config.auditHmacKey, 'MR-secret-1'),
        type: sealedText(bed.config.auditHmacKey, 'jp.example.secret.v1'),
        recipientId: null,
        recipientRole: null,
        purposes: [],
        fieldsDelivered: [],
        fieldsWithheld: [],
        outboundId: null,
      }),
      // Another supply point: never listed.
      delivery({
        id: 'a0000000-0000-5000-8000-000000000004',
        time: '2026-11-27T07:00:00Z',
        supplyPointHmac: supplyPointHmac(bed.config.auditHmacKey, OTHER),
        recipientId: 'TD03',
        recipientRole: 'tdso',
        outboundId: 'b0000000-0000-5000-8000-000000000004',
      }),
      // 2026-11-28T16:00Z is 2026-11-29 01:00 in Japan.
      delivery({
        id: 'a0000000-0000-5000-8000-000000000005',
        time: '2026-11-28T16:00:00Z',
        supplyPointHmac: hmac,
        type: 'jp.kyodo.negawatt.v1',
        recipientId: 'DR001',
        recipientRole: 'aggregator',
        relations: ['contracted-aggregator'],
        purposes: ['negawatt-trading'],
        fieldsDelivered: ['negawatt.baseline', 'negawatt.demandControl'],
        fieldsWithheld: ['customer.name', 'weird,field "x"'],
        policyVersion: '2026-11-02',
        outboundId: 'b0000000-0000-5000-8000-000000000005',
      }),
      // A third party's delivery under consent and agreement (v1.1), about a supply point of its own.
      delivery({
        id: 'a0000000-0000-5000-8000-000000000006',
        time: '2026-11-28T17:00:00Z',
        supplyPointHmac: supplyPointHmac(bed.config.auditHmacKey, CONSENTED),
        recipientId: 'TP001',
        recipientRole: 'third-party',
        relations: ['consented-third-party'],
        purposes: ['third-party-consent'],
        fieldsDelivered: ['intervals[].kwh', 'totalKwh'],
        fieldsWithheld: ['meterId'],
        outboundId: 'b0000000-0000-5000-8000-000000000006',
        basis: ['consent:C1', 'consent:C7', 'agreement:A1'],
      }),
    ];
    await seedAudit(bed.ds, rows);
  });

  afterAll(async () => {
    await bed?.close();
  });

  const expected = {
    first: {
      time: '2026-11-27T05:00:01.234Z',
      recipientId: 'TD03',
      recipientRole: 'tdso',
      purposes: ['td-operations'],
      fieldsDelivered: ['meterId', 'intervals', 'totalKwh'],
      fieldsWithheld: ['customer.contractNumber'],
      policyVersion: '2026-11-01',
      auditId: 'a0000000-0000-5000-8000-000000000001',
      eventType: 'jp.kyodo.meter-reading.v1',
      outboundId: 'b0000000-0000-5000-8000-000000000001',
      consentIds: [],
      agreementIds: [],
    },
    second: {
      time: '2026-11-27T05:00:01.234Z',
      recipientId: 'R0001',
      recipientRole: 'retailer',
      purposes: ['td-operations'],
      fieldsDelivered: ['meterId', 'intervals', 'totalKwh', 'customer.contractNumber'],
      fieldsWithheld: [],
      policyVersion: '2026-11-01',
      auditId: 'a0000000-0000-5000-8000-000000000002',
      eventType: 'jp.kyodo.meter-reading.v1',
      outboundId: 'b0000000-0000-5000-8000-000000000002',
      consentIds: [],
      agreementIds: [],
    },
    third: {
      time: '2026-11-28T16:00:00.000Z',
      recipientId: 'DR001',
      recipientRole: 'aggregator',
      purposes: ['negawatt-trading'],
      fieldsDelivered: ['negawatt.baseline', 'negawatt.demandControl'],
      fieldsWithheld: ['customer.name', 'weird,field "x"'],
      policyVersion: '2026-11-02',
      auditId: 'a0000000-0000-5000-8000-000000000005',
      eventType: 'jp.kyodo.negawatt.v1',
      outboundId: 'b0000000-0000-5000-8000-000000000005',
      consentIds: [],
      agreementIds: [],
    },
  };

  it('lists every delivery about the supply point as JSON, by time then audit id', async () => {
    const res = await get(`supplyPointId=${SPID}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      supplyPointId: SPID,
      from: null,
      to: null,
      recipientId: null,
      items: [expected.first, expected.second, expected.third],
      notices: [],
    });
  });

  it('answers CSV with a header row, lists joined by spaces', async () => {
    const res = await get(`supplyPointId=${SPID}&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.text).toBe(
      'time,recipientId,recipientRole,purposes,fieldsDelivered,fieldsWithheld,policyVersion,auditId,eventType,outboundId,consentIds,agreementIds\r\n' +
        '2026-11-27T05:00:01.234Z,TD03,tdso,td-operations,meterId intervals totalKwh,customer.contractNumber,2026-11-01,' +
        'a0000000-0000-5000-8000-000000000001,jp.kyodo.meter-reading.v1,b0000000-0000-5000-8000-000000000001,,\r\n' +
        '2026-11-27T05:00:01.234Z,R0001,retailer,td-operations,meterId intervals totalKwh customer.contractNumber,,2026-11-01,' +
        'a0000000-0000-5000-8000-000000000002,jp.kyodo.meter-reading.v1,b0000000-0000-5000-8000-000000000002,,\r\n' +
        '2026-11-28T16:00:00.000Z,DR001,aggregator,negawatt-trading,negawatt.baseline negawatt.demandControl,' +
        '"customer.name weird,field ""x""",2026-11-02,' +
        'a0000000-0000-5000-8000-000000000005,jp.kyodo.negawatt.v1,b0000000-0000-5000-8000-000000000005,,\r\n',
    );
  });

  it('answers CSV with only the header when nothing was disclosed', async () => {
    const res = await get(`supplyPointId=0100000000000000000009&format=csv`);
    expect(res.status).toBe(200);
    expect(res.text).toBe(
      'time,recipientId,recipientRole,purposes,fieldsDelivered,fieldsWithheld,policyVersion,auditId,eventType,outboundId,consentIds,agreementIds\r\n',
    );
  });

  it('names the consents and agreement a delivery to a third party rested on (JSON and CSV)', async () => {
    const consented = await report(`supplyPointId=${CONSENTED}`);
    expect(consented.items).toEqual([
      expect.objectContaining({
        recipientId: 'TP001',
        auditId: 'a0000000-0000-5000-8000-000000000006',
        consentIds: ['C1', 'C7'],
        agreementIds: ['A1'],
      }),
    ]);
    const csv = await get(`supplyPointId=${CONSENTED}&format=csv`);
    expect(csv.text.split('\r\n')[1]).toMatch(/,C1 C7,A1$/);
  });

  it('finds a rejected record by the id and type as sent, though the audit holds them sealed', async () => {
    const audit = (query: string) => bed.get(`/v1/audit?${query}`, bearer(auditor));
    const byId = json<AuditPage>(await audit('inboundId=MR-secret-1'));
    expect(byId.items.map((r) => [r.id, r.outcome])).toEqual([
      ['a0000000-0000-5000-8000-000000000003', 'rejected'],
    ]);
    expect(byId.items[0].inboundId).toBe(sealedText(bed.config.auditHmacKey, 'MR-secret-1'));
    const byType = json<AuditPage>(await audit(`type=${encodeURIComponent('jp.example.secret.v1')}`));
    expect(byType.items.map((r) => r.id)).toEqual(['a0000000-0000-5000-8000-000000000003']);
    // Delivered records keep their id in clear and are found by it as before.
    const clear = json<AuditPage>(await audit('inboundId=evt-1&outcome=delivered'));
    expect(clear.items.length).toBeGreaterThan(0);
    expect(json<AuditPage>(await audit('inboundId=MR-secret-2')).items).toEqual([]);
  });

  it('filters by recipient', async () => {
    const toTd03 = await report(`supplyPointId=${SPID}&recipientId=TD03`);
    expect(toTd03.recipientId).toBe('TD03');
    expect(toTd03.items).toEqual([expected.first]);
    expect((await report(`supplyPointId=${SPID}&recipientId=OCCTO`)).items).toEqual([]);
  });

  it('filters by instants: from inclusive, to exclusive', async () => {
    const exact = await report(
      `supplyPointId=${SPID}&from=2026-11-27T05:00:01.234Z&to=2026-11-27T05:00:01.235Z`,
    );
    expect(exact.items).toEqual([expected.first, expected.second]);
    expect(exact.from).toBe('2026-11-27T05:00:01.234Z');
    expect(exact.to).toBe('2026-11-27T05:00:01.235Z');
    const before = await report(`supplyPointId=${SPID}&to=2026-11-27T05:00:01.234Z`);
    expect(before.items).toEqual([]);
    const offset = await report(
      `supplyPointId=${SPID}&from=${encodeURIComponent('2026-11-29T00:59:59+09:00')}`,
    );
    expect(offset.items).toEqual([expected.third]);
  });

  it('takes dates as whole days in Japan', async () => {
    // 2026-11-28 in Japan is [2026-11-27T15:00Z, 2026-11-28T15:00Z): the third delivery falls on the 29th there.
    const upTo28 = await report(`supplyPointId=${SPID}&to=2026-11-28`);
    expect(upTo28.to).toBe('2026-11-28T15:00:00.000Z');
    expect(upTo28.items).toEqual([expected.first, expected.second]);
    const the29th = await report(`supplyPointId=${SPID}&from=2026-11-29&to=2026-11-29`);
    expect(the29th.from).toBe('2026-11-28T15:00:00.000Z');
    expect(the29th.items).toEqual([expected.third]);
    const the27th = await report(`supplyPointId=${SPID}&from=2026-11-27&to=2026-11-27&recipientId=R0001`);
    expect(the27th.items).toEqual([expected.second]);
  });
});

describe('GET /v1/audit keyset paging (real PostgreSQL)', () => {
  let bed: ApiTestBed;
  let auditor: string;
  const ids: string[] = [];
  let inOrder: string[] = [];
  const get = (query: string) => bed.get(`/v1/audit?${query}`, bearer(auditor));

  beforeAll(async () => {
    bed = await startApiTestBed();
    auditor = await bed.key('auditor');
    // 250 rows, three to an instant, ids not in time order, two recipients.
    const records: AuditRecord[] = [];
    for (let i = 0; i < 250; i++) {
      const id = `c0000000-0000-5000-8000-${String((i * 7919) % 1000).padStart(12, '0')}`;
      records.push(
        delivery({
          id,
          time: new Date(Date.UTC(2026, 10, 27, 0, 0, Math.floor(i / 3))).toISOString(),
          recipientId: i % 2 === 0 ? 'TD03' : 'R0001',
          recipientRole: i % 2 === 0 ? 'tdso' : 'retailer',
          inboundOffset: String(i),
          outboundId: `d0000000-0000-5000-8000-${String(i).padStart(12, '0')}`,
        }),
      );
      ids.push(id);
    }
    await seedAudit(bed.ds, records);
    inOrder = [...records]
      .sort((a, b) => a.time.localeCompare(b.time) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((r) => r.id);
  });

  afterAll(async () => {
    await bed?.close();
  });

  async function walk(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
    const seen: string[] = [];
    let pages = 0;
    let cursor: string | null = null;
    do {
      const res = await get(`${query}&limit=${limit}${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      const body = json<AuditPage>(res);
      expect(body.items.length).toBeLessThanOrEqual(limit);
      seen.push(...body.items.map((r) => r.id));
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 1000);
    return { ids: seen, pages };
  }

  it('visits every row exactly once, in (time, id) order', async () => {
    const { ids: seen, pages } = await walk('', 7);
    expect(pages).toBe(Math.ceil(250 / 7));
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect([...seen].sort()).toEqual([...ids].sort());
    expect(seen).toEqual(inOrder);
  });

  it('pages the same way with filters, and defaults to 100 a page', async () => {
    const tdso = await walk('recipientId=TD03', 11);
    expect(tdso.ids).toHaveLength(125);
    expect(new Set(tdso.ids).size).toBe(125);
    const first = json<AuditPage>(await get(''));
    expect(first.items).toHaveLength(100);
    expect(typeof first.nextCursor).toBe('string');
    const window = await walk('from=2026-11-27T00:00:10Z&to=2026-11-27T00:00:20Z', 4);
    expect(window.ids).toHaveLength(30);
  });
});
