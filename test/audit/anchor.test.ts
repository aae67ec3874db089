import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { anchorAuditTrail, verifyAuditTrail } from '../../apps/cli/src/audit.command';
import { CliContext } from '../../apps/cli/src/context';
import { delivery, seedAudit, startApiTestBed, type ApiTestBed } from '../api/api-harness';

// Chain heads anchored outside the database: a tail rewritten together with its recorded head passes
// the chain check alone, and is caught against the signed anchor file.

describe('kyodo audit anchor / audit verify --anchor (real PostgreSQL)', () => {
  let bed: ApiTestBed;
  let dir: string;
  let out: string[];
  let ctx: CliContext;

  beforeAll(async () => {
    bed = await startApiTestBed([], { auditAnchorKey: `anchor-${randomUUID()}` });
    dir = mkdtempSync(join(tmpdir(), 'kyodo-anchor-'));
    await seedAudit(
      bed.ds,
      Array.from({ length: 6 }, (_, i) =>
        delivery({ id: randomUUID(), recipientId: i % 2 ? 'R0001' : 'TD03' }),
      ),
    );
  });

  beforeEach(() => {
    out = [];
    ctx = new CliContext(
      bed.config,
      (line) => out.push(line),
      (line) => out.push(line),
    );
  });

  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await bed?.close();
  });

  it('anchors the verified heads, and verifies against them while nothing changed', async () => {
    const file = join(dir, 'heads.json');
    expect(await anchorAuditTrail(ctx, file)).toBe(0);
    const anchor = JSON.parse(readFileSync(file, 'utf8')) as {
      heads: { partition: number; offset: string; hash: string }[];
      signature: { alg: string; value: string };
    };
    expect(anchor.heads.map((h) => [h.partition, h.offset])).toEqual([[0, '5']]);
    expect(anchor.heads[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(anchor.signature.alg).toBe('HMAC-SHA256');
    out = [];
    expect(await verifyAuditTrail(ctx, { anchor: file })).toBe(0);
    expect(out).toContain(`Every head anchored in ${file} is still in the chain.`);
  });

  it('refuses an anchor file that was edited, or checked with another key', async () => {
    const file = join(dir, 'heads.json');
    const edited = join(dir, 'edited.json');
    const anchor = JSON.parse(readFileSync(file, 'utf8')) as { heads: { hash: string }[] };
    anchor.heads[0].hash = '0'.repeat(64);
    writeFileSync(edited, JSON.stringify(anchor));
    expect(await verifyAuditTrail(ctx, { anchor: edited })).toBe(1);
    expect(out.join('\n')).toContain('does not match');
    const other = new CliContext({ ...bed.config, auditAnchorKey: `other-${randomUUID()}` }, (l) =>
      out.push(l),
    );
    expect(await verifyAuditTrail(other, { anchor: file })).toBe(1);
  });

  it('catches a tail rewritten together with its recorded head, which the chain alone does not', async () => {
    const file = join(dir, 'heads.json');
    // Cut the last three rows, move the recorded head back onto the new last row, append forgeries.
    await bed.ds.query(`DELETE FROM audit_record WHERE chain_partition = 0 AND chain_offset >= 3`);
    await bed.ds.query(
      `UPDATE audit_chain_head h SET chain_offset = r.chain_offset, hash = r.hash
         FROM audit_record r WHERE r.chain_partition = 0 AND r.chain_offset = 2 AND h.chain_partition = 0`,
    );
    await seedAudit(
      bed.ds,
      Array.from({ length: 3 }, () => delivery({ id: randomUUID(), recipientId: 'R0002' })),
      3,
    );

    out = [];
    expect(await verifyAuditTrail(ctx, {})).toBe(0);
    out = [];
    expect(await verifyAuditTrail(ctx, { anchor: file })).toBe(1);
    expect(out.join('\n')).toMatch(
      /Anchor MISMATCH at partition 0, offset 5: hash [0-9a-f]{64} where [0-9a-f]{64} was anchored/,
    );
  });
});
