import { supplyPointHmac, type AuditRecord } from '@kyodo/audit';
import { createApiKey, listApiKeys, revokeApiKey } from '../../apps/cli/src/apikey.command';
import { verifyAuditTrail } from '../../apps/cli/src/audit.command';
import { CliContext } from '../../apps/cli/src/context';
import { showDisclosures } from '../../apps/cli/src/disclosures.command';
import { bearer, delivery, json, seedAudit, startApiTestBed, type ApiTestBed } from './api-harness';

const SPID = '0300000000000000000001';

// The API's commands, run as `kyodo` runs them, against the same database the HTTP API reads.
describe('kyodo apikey / audit verify / disclosures (real PostgreSQL)', () => {
  let bed: ApiTestBed;
  let out: string[];
  let progress: string[];
  let ctx: CliContext;

  beforeAll(async () => {
    bed = await startApiTestBed();
  });

  beforeEach(() => {
    out = [];
    progress = [];
    ctx = new CliContext(
      bed.config,
      (line) => out.push(line),
      (line) => progress.push(line),
    );
  });

  afterAll(async () => {
    await bed?.close();
  });

  it('apikey create prints a key once that the API accepts, until apikey revoke', async () => {
    expect(await createApiKey(ctx, { role: 'auditor', name: 'quarterly audit' })).toBe(0);
    expect(out).toHaveLength(1);
    const secret = out[0];
    expect(secret).toMatch(/^kyodo_[A-Za-z0-9_-]{43}$/);
    const keyId = /Created API key (\S+) "quarterly audit" \(role auditor/.exec(progress[0])?.[1];
    expect(keyId).toBeDefined();

    const http = () => bed.get('/v1/audit', bearer(secret));
    expect((await http()).status).toBe(200);

    out = [];
    expect(await listApiKeys(ctx, { json: true })).toBe(0);
    const listed = JSON.parse(out.join('\n')) as { id: string; role: string; revokedAt: string | null }[];
    expect(listed).toEqual([expect.objectContaining({ id: keyId, role: 'auditor', revokedAt: null })]);
    expect(out.join('\n')).not.toContain(secret);

    out = [];
    expect(await revokeApiKey(ctx, keyId!)).toBe(0);
    expect(out).toEqual([`Revoked API key ${keyId}.`]);
    expect((await http()).status).toBe(401);
    expect(await revokeApiKey(ctx, keyId!)).toBe(1);
    expect(progress[progress.length - 1]).toMatch(/was already revoked/);
    expect(await revokeApiKey(ctx, 'no-such-key')).toBe(1);
    expect(progress[progress.length - 1]).toBe('kyodo: there is no API key no-such-key');
  });

  it('apikey create --role party binds the key to a registered party, and refuses otherwise', async () => {
    await bed.ds.query(`INSERT INTO party (id, role, name) VALUES ('R0001', 'retailer', 'Clean Venture 21')`);
    expect(await createApiKey(ctx, { role: 'party', party: 'R0001', json: true })).toBe(0);
    const created = JSON.parse(out[0]) as { role: string; partyId: string; secret: string };
    expect(created).toMatchObject({ role: 'party', partyId: 'R0001' });
    // The key opens the mailbox's routes and nothing else.
    expect((await bed.get('/v1/audit', bearer(created.secret))).status).toBe(403);
    expect((await bed.get('/v1/whoami', bearer(created.secret))).status).toBe(403);

    expect(await createApiKey(ctx, { role: 'party' })).toBe(1);
    expect(progress[progress.length - 1]).toBe('kyodo: a key of role party needs --party ID');
    expect(await createApiKey(ctx, { role: 'party', party: 'R0404' })).toBe(1);
    expect(progress[progress.length - 1]).toBe('kyodo: R0404 is not a registered party');
    expect(await createApiKey(ctx, { role: 'auditor', party: 'R0001' })).toBe(1);
    expect(progress[progress.length - 1]).toBe('kyodo: a key of role auditor names no party');
  });

  describe('with an audit trail', () => {
    let records: AuditRecord[];

    beforeAll(async () => {
      const hmac = supplyPointHmac(bed.config.auditHmacKey, SPID);
      records = Array.from({ length: 10_001 }, (_, i) =>
        delivery({
          id: `e0000000-0000-5000-8000-${String(i).padStart(12, '0')}`,
          time: new Date(Date.UTC(2026, 10, 27, 5, 0, 0) + i).toISOString(),
          supplyPointHmac: i < 2 ? hmac : 'f'.repeat(64),
          recipientId: i === 0 ? 'TD03' : 'R0001',
          recipientRole: i === 0 ? 'tdso' : 'retailer',
          inboundOffset: String(i),
          outboundId: `f0000000-0000-5000-8000-${String(i).padStart(12, '0')}`,
        }),
      );
      await seedAudit(bed.ds, records);
    });

    it('audit verify checks the chain, reports progress, and prints the head to publish', async () => {
      expect(await verifyAuditTrail(ctx, {})).toBe(0);
      const head = await bed.ds.query<{ hash: string }[]>(
        `SELECT hash FROM audit_chain_head WHERE chain_partition = 0`,
      );
      expect(out).toEqual([
        `Partition 0: 10001 rows checked; head at offset 10000, hash ${head[0].hash}`,
        'Audit chain intact: 10001 rows in 1 chain.',
        'Publish the heads above (partition, offset, hash) as the anchor of this verification.',
      ]);
      expect(progress).toEqual(['… audit verify: 10000/10001 rows (partition 0, offset 9999)']);

      out = [];
      expect(await verifyAuditTrail(ctx, { partition: 7 })).toBe(0);
      expect(out).toEqual(['No audit records for partition 7: nothing to verify.']);

      // The full run is recorded for the console's audit health page; the one-partition run is not.
      const runs = await bed.ds.query<{ kind: string; ok: boolean; rows: number; requested_by: null }[]>(
        `SELECT kind, ok, (summary->>'rows')::int AS rows, requested_by FROM audit_check_run`,
      );
      expect(runs).toEqual([{ kind: 'verify', ok: true, rows: 10001, requested_by: null }]);
    });

    it('disclosures prints what GET /v1/disclosures answers, as a table, CSV or JSON', async () => {
      expect(await showDisclosures(ctx, SPID, { format: 'table' })).toBe(0);
      expect(out).toEqual([
        `2 deliveries about supply point ${SPID}:`,
        'TIME                      RECIPIENT         EVENT             PURPOSES       POLICY      RESTED ON  FIELDS DELIVERED              FIELDS WITHHELD',
        '2026-11-27T05:00:00.000Z  TD03 (tdso)       meter-reading.v1  td-operations  2026-11-01  -          meterId, intervals, totalKwh  customer.contractNumber',
        '2026-11-27T05:00:00.001Z  R0001 (retailer)  meter-reading.v1  td-operations  2026-11-01  -          meterId, intervals, totalKwh  customer.contractNumber',
      ]);

      out = [];
      expect(await showDisclosures(ctx, SPID, { format: 'csv', recipient: 'TD03' })).toBe(0);
      expect(out).toEqual([
        'time,recipientId,recipientRole,purposes,fieldsDelivered,fieldsWithheld,policyVersion,auditId,eventType,outboundId,consentIds,agreementIds\n' +
          '2026-11-27T05:00:00.000Z,TD03,tdso,td-operations,meterId intervals totalKwh,customer.contractNumber,2026-11-01,' +
          'e0000000-0000-5000-8000-000000000000,jp.kyodo.meter-reading.v1,f0000000-0000-5000-8000-000000000000,,',
      ]);

      out = [];
      expect(await showDisclosures(ctx, SPID, { format: 'json', from: '2026-11-27T05:00:00.001Z' })).toBe(0);
      const api = await bed.get(
        `/v1/disclosures?supplyPointId=${SPID}&from=2026-11-27T05:00:00.001Z`,
        bearer(await bed.key('auditor')),
      );
      expect(JSON.parse(out.join('\n'))).toEqual(api.body);
      expect(json<{ items: unknown[] }>(api).items).toHaveLength(1);

      out = [];
      expect(await showDisclosures(ctx, '0100000000000000000001', { to: '2026-11-01' })).toBe(0);
      expect(out).toEqual([
        'No deliveries about supply point 0100000000000000000001 (before 2026-11-01T15:00:00.000Z) are recorded.',
      ]);
    });

    it('audit verify exits 1 naming the first bad record when a row was edited', async () => {
      const victim = records[4242];
      await bed.ds.query(
        `UPDATE audit_record SET fields_delivered = array_append(fields_delivered, 'customer.phone') WHERE id = $1`,
        [victim.id],
      );
      expect(await verifyAuditTrail(ctx, {})).toBe(1);
      expect(out[0]).toBe('Partition 0: 4243 rows checked');
      expect(out[1]).toBe(`Audit chain BROKEN at partition 0, offset 4242, audit id ${victim.id}: edited`);
      expect(out[2]).toMatch(/^ {2}stored hash \w+… is not the hash of the row's content/);
      expect(out).toHaveLength(3);

      out = [];
      expect(await verifyAuditTrail(ctx, { json: true })).toBe(1);
      expect(JSON.parse(out.join('\n'))).toMatchObject({
        ok: false,
        rows: 4243,
        partitions: [{ partition: 0, rows: 4243, head: null }],
        firstBad: { chainPartition: 0, chainOffset: '4242', id: victim.id, problem: 'edited' },
      });
    });
  });
});
