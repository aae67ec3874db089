import { auditRowHash } from './canonical';
import {
  chain,
  ChainVerifier,
  GENESIS_HASH,
  genesisHead,
  verifyChain,
  verifyChainSync,
  type ChainedAuditRow,
  type ChainHead,
  type ChainVerification,
} from './chain';
import type { AuditRecord } from './record';
import { auditRecordFixture, chainInputsFixture } from './testing';

/** A row made consistent with itself after changes, as a careful forger would. */
function forge(row: ChainedAuditRow, changes: Partial<ChainedAuditRow>): ChainedAuditRow {
  const next = { ...row, ...changes };
  return { ...next, hash: auditRowHash(next, next.chainPartition, next.chainOffset, next.prevHash) };
}

/** `expect.stringMatching`, typed as the string it stands for. */
function matching(pattern: RegExp): string {
  const matcher: unknown = expect.stringMatching(pattern);
  return matcher as string;
}

function firstBad(result: ChainVerification) {
  if (result.ok) throw new Error('expected the chain to be found broken');
  return result.firstBad;
}

describe('chain', () => {
  it('starts at genesis and links every row to the one before', () => {
    const { rows, heads, skipped } = chain(chainInputsFixture(3));
    expect(skipped).toBe(0);
    expect(rows.map((r) => r.chainOffset)).toEqual(['0', '1', '2']);
    expect(rows[0].prevHash).toBe(GENESIS_HASH);
    expect(rows[1].prevHash).toBe(rows[0].hash);
    expect(rows[2].prevHash).toBe(rows[1].hash);
    for (const row of rows)
      expect(row.hash).toBe(auditRowHash(row, row.chainPartition, row.chainOffset, row.prevHash));
    expect(heads).toEqual([{ partition: 0, offset: '2', hash: rows[2].hash }]);
  });

  it('continues from a given head', () => {
    const all = chain(chainInputsFixture(4));
    const first = chain(chainInputsFixture(4).slice(0, 2));
    const rest = chain(chainInputsFixture(4).slice(2), first.heads);
    expect([...first.rows, ...rest.rows]).toEqual(all.rows);
  });

  it('skips inputs at or before the head (replays) and duplicates within a batch', () => {
    const inputs = chainInputsFixture(4);
    const first = chain(inputs.slice(0, 3));
    const replay = chain([...inputs, inputs[3]], first.heads);
    expect(replay.skipped).toBe(4);
    expect(replay.rows.map((r) => r.chainOffset)).toEqual(['3']);
    expect(replay.rows[0].prevHash).toBe(first.rows[2].hash);
  });

  it('takes inputs in offset order whatever order they come in', () => {
    const inputs = chainInputsFixture(5, 0, 10, 3);
    const shuffled = [inputs[3], inputs[0], inputs[4], inputs[2], inputs[1]];
    expect(chain(shuffled).rows).toEqual(chain(inputs).rows);
  });

  it('keeps one independent chain per partition', () => {
    const a = chainInputsFixture(2, 0);
    const b = chainInputsFixture(3, 1);
    const mixed = chain([b[0], a[0], b[1], a[1], b[2]]);
    expect(mixed.rows.map((r) => `${r.chainPartition}/${r.chainOffset}`)).toEqual([
      '0/0',
      '0/1',
      '1/0',
      '1/1',
      '1/2',
    ]);
    expect(mixed.rows[2].prevHash).toBe(GENESIS_HASH);
    expect(mixed.heads.map((h) => h.partition)).toEqual([0, 1]);
    expect(mixed.rows.filter((r) => r.chainPartition === 1)).toEqual(chain(b).rows);
  });

  it('reports the head of a touched chain even when everything was skipped', () => {
    const first = chain(chainInputsFixture(2));
    const again = chain(chainInputsFixture(2), first.heads);
    expect(again).toEqual({ rows: [], heads: first.heads, skipped: 2 });
  });

  it('orders offsets numerically, not as text', () => {
    const inputs = chainInputsFixture(2, 0, 9, 1); // offsets 9 and 10
    expect(chain([inputs[1], inputs[0]]).rows.map((r) => r.chainOffset)).toEqual(['9', '10']);
  });

  it('stores normalised records', () => {
    const [row] = chain([
      {
        chainPartition: 0,
        chainOffset: '007',
        record: auditRecordFixture({ time: '2026-11-27T14:00:00+09:00' }),
      },
    ]).rows;
    expect(row.time).toBe('2026-11-27T05:00:00.000Z');
    expect(row.chainOffset).toBe('7');
  });

  it('refuses a bad chain position', () => {
    const record = auditRecordFixture();
    expect(() => chain([{ chainPartition: -1, chainOffset: '0', record }])).toThrow(/chainPartition/);
    expect(() => chain([{ chainPartition: 0, chainOffset: 'x', record }])).toThrow(/chainOffset/);
  });
});

describe('verifyChain', () => {
  const built = chain([...chainInputsFixture(6, 0, 0, 2), ...chainInputsFixture(4, 1, 100)]);
  const rows = built.rows;
  const heads = built.heads;
  const at = (partition: number, offset: string): ChainedAuditRow =>
    rows.find((r) => r.chainPartition === partition && r.chainOffset === offset)!;
  const without = (row: ChainedAuditRow): ChainedAuditRow[] => rows.filter((r) => r !== row);
  const after = (row: ChainedAuditRow, ...extra: ChainedAuditRow[]): ChainedAuditRow[] => {
    const i = rows.indexOf(row);
    return [...rows.slice(0, i + 1), ...extra, ...rows.slice(i + 1)];
  };

  it('accepts an intact chain and reports its heads', async () => {
    await expect(verifyChain(rows, { heads })).resolves.toEqual({ ok: true, heads, rows: rows.length });
    expect(verifyChainSync(rows)).toEqual({ ok: true, heads, rows: rows.length });
  });

  it('accepts an empty chain, and genesis heads with no rows', () => {
    expect(verifyChainSync([])).toEqual({ ok: true, heads: [], rows: 0 });
    expect(verifyChainSync([], { heads: [genesisHead(4)] })).toEqual({
      ok: true,
      heads: [genesisHead(4)],
      rows: 0,
    });
  });

  it('reads async iterables', async () => {
    async function* stream() {
      for (const row of rows) {
        await Promise.resolve();
        yield row;
      }
    }
    await expect(verifyChain(stream(), { heads })).resolves.toMatchObject({ ok: true, rows: rows.length });
  });

  it('stops reading at the first fault', async () => {
    let read = 0;
    async function* stream() {
      for (const row of [rows[0], { ...rows[1], purposes: [] }, ...rows.slice(2)]) {
        read += 1;
        await Promise.resolve();
        yield row;
      }
    }
    const result = await verifyChain(stream());
    expect(firstBad(result).id).toBe(rows[1].id);
    expect(result.rows).toBe(2);
    expect(read).toBe(2);
  });

  it('names an edited row', () => {
    const target = at(0, '4');
    const edited = rows.map((r) =>
      r === target ? { ...r, fieldsDelivered: [...r.fieldsDelivered, 'customer.name'] } : r,
    );
    expect(firstBad(verifyChainSync(edited, { heads }))).toMatchObject({
      chainPartition: 0,
      chainOffset: '4',
      id: target.id,
      problem: 'edited',
    });
  });

  it('names a row whose stored hash was changed', () => {
    const target = at(1, '101');
    const edited = rows.map((r) => (r === target ? { ...r, hash: 'f'.repeat(64) } : r));
    expect(firstBad(verifyChainSync(edited))).toMatchObject({ chainOffset: '101', problem: 'edited' });
  });

  it('names a row that cannot be encoded at all', () => {
    const target = at(0, '2');
    const broken = rows.map((r) =>
      r === target ? ({ ...r, relations: undefined } as unknown as ChainedAuditRow) : r,
    );
    expect(firstBad(verifyChainSync(broken))).toMatchObject({
      id: target.id,
      problem: 'edited',
      detail: matching(/cannot be encoded/),
    });
  });

  it('names the row after a deleted one', () => {
    const next = at(0, '6');
    expect(firstBad(verifyChainSync(without(at(0, '4')), { heads }))).toMatchObject({
      chainPartition: 0,
      chainOffset: '6',
      id: next.id,
      problem: 'deleted-or-inserted',
    });
  });

  it('names the new first row when the first row was deleted', () => {
    expect(firstBad(verifyChainSync(without(at(1, '100'))))).toMatchObject({
      chainPartition: 1,
      chainOffset: '101',
      problem: 'deleted-or-inserted',
      detail: matching(/genesis/),
    });
  });

  it('finds a deleted last row only against the recorded heads, and names the head position', () => {
    const last = at(0, '10');
    expect(verifyChainSync(without(last)).ok).toBe(true);
    expect(firstBad(verifyChainSync(without(last), { heads }))).toEqual({
      chainPartition: 0,
      chainOffset: '10',
      id: null,
      problem: 'deleted-or-inserted',
      detail: matching(/missing/),
    });
  });

  it('finds a chain whose rows are all gone', () => {
    const rest = rows.filter((r) => r.chainPartition !== 1);
    expect(firstBad(verifyChainSync(rest, { heads }))).toMatchObject({
      chainPartition: 1,
      chainOffset: '103',
      id: null,
    });
  });

  it('names a forged row inserted in the middle (the row after it links past it)', () => {
    const before = at(0, '4');
    const forged = forge(before, { id: 'forged', chainOffset: '5', prevHash: before.hash });
    expect(firstBad(verifyChainSync(after(before, forged), { heads }))).toMatchObject({
      chainPartition: 0,
      chainOffset: '5',
      id: 'forged',
      problem: 'deleted-or-inserted',
    });
  });

  it('names the first of several forged rows inserted together', () => {
    const sparse = chain(chainInputsFixture(4, 0, 0, 10)).rows;
    const before = sparse[1];
    const one = forge(before, { id: 'one', chainOffset: '11', prevHash: before.hash });
    const two = forge(before, { id: 'two', chainOffset: '12', prevHash: one.hash });
    const tampered = [...sparse.slice(0, 2), one, two, ...sparse.slice(2)];
    expect(firstBad(verifyChainSync(tampered))).toMatchObject({ id: 'one', chainOffset: '11' });
  });

  it('names a forged row inserted before the first row', () => {
    const first = at(0, '0');
    const forged = forge(first, { id: 'forged', chainOffset: '0', prevHash: GENESIS_HASH });
    expect(firstBad(verifyChainSync([forged, ...rows]))).toMatchObject({
      id: 'forged',
      problem: 'deleted-or-inserted',
    });
  });

  it('names a forged row appended after the last, against the recorded heads', () => {
    const last = at(1, '103');
    const forged = forge(last, { id: 'forged', chainOffset: '104', prevHash: last.hash });
    expect(verifyChainSync([...rows, forged]).ok).toBe(true);
    expect(firstBad(verifyChainSync([...rows, forged], { heads }))).toMatchObject({
      chainPartition: 1,
      chainOffset: '104',
      id: 'forged',
      problem: 'deleted-or-inserted',
      detail: matching(/beyond the recorded chain head/),
    });
  });

  it('names an inserted row whose link does not fit', () => {
    const before = at(0, '4');
    const forged = forge(before, { id: 'forged', chainOffset: '5', prevHash: 'e'.repeat(64) });
    expect(firstBad(verifyChainSync(after(before, forged)))).toMatchObject({
      id: 'forged',
      problem: 'deleted-or-inserted',
    });
  });

  it('names a replayed copy of a row', () => {
    const row = at(0, '4');
    expect(firstBad(verifyChainSync(after(row, row)))).toMatchObject({
      id: row.id,
      chainOffset: '4',
      problem: 'deleted-or-inserted',
    });
  });

  it('names two swapped rows', () => {
    const i = rows.indexOf(at(0, '4'));
    const swapped = [...rows];
    [swapped[i], swapped[i + 1]] = [swapped[i + 1], swapped[i]];
    expect(firstBad(verifyChainSync(swapped))).toMatchObject({
      chainOffset: '6',
      problem: 'deleted-or-inserted',
    });
  });

  it('finds a re-linked row whose position does not follow the one before', () => {
    const before = at(0, '4');
    const forged = forge(before, { id: 'forged', chainOffset: '4', prevHash: before.hash });
    const rest = rows.filter((r) => r.chainPartition === 0 && BigInt(r.chainOffset) <= 4n);
    expect(firstBad(verifyChainSync([...rest, forged]))).toMatchObject({
      id: 'forged',
      problem: 'broken-link',
    });
  });

  it('finds a recorded head that disagrees with the chain end', () => {
    const wrong: ChainHead[] = heads.map((h) => (h.partition === 0 ? { ...h, hash: 'd'.repeat(64) } : h));
    expect(firstBad(verifyChainSync(rows, { heads: wrong }))).toMatchObject({
      chainPartition: 0,
      chainOffset: '10',
      problem: 'broken-link',
    });
  });

  it('finds rows of a chain that has no recorded head', () => {
    const only0 = heads.filter((h) => h.partition === 0);
    expect(firstBad(verifyChainSync(rows, { heads: only0 }))).toMatchObject({
      chainPartition: 1,
      chainOffset: '100',
    });
  });

  it('starts a chain at its anchor after retention', () => {
    const kept = rows.filter((r) => !(r.chainPartition === 0 && BigInt(r.chainOffset) < 6n));
    const anchors = [{ partition: 0, offset: '4', hash: at(0, '4').hash }];
    expect(verifyChainSync(kept, { heads, anchors })).toMatchObject({ ok: true });
    expect(firstBad(verifyChainSync(kept, { heads }))).toMatchObject({
      chainOffset: '6',
      detail: matching(/genesis/),
    });
    const wrongAnchor = [{ partition: 0, offset: '4', hash: at(0, '2').hash }];
    expect(firstBad(verifyChainSync(kept, { heads, anchors: wrongAnchor }))).toMatchObject({
      chainOffset: '6',
      detail: matching(/anchor at offset 4/),
    });
  });

  it('accepts partitions interleaved, as long as each is in order', () => {
    const zero = rows.filter((r) => r.chainPartition === 0);
    const one = rows.filter((r) => r.chainPartition === 1);
    const interleaved = zero.flatMap((r, i) => (one[i] ? [r, one[i]] : [r]));
    expect(verifyChainSync(interleaved, { heads })).toMatchObject({ ok: true });
  });

  it('ignores rows pushed after the first fault', () => {
    const verifier = new ChainVerifier();
    const bad = { ...rows[0], id: 'changed' };
    const fault = verifier.push(bad);
    expect(fault).toBeDefined();
    expect(verifier.push(rows[1])).toBe(fault);
    expect(verifier.finish()).toEqual({ ok: false, firstBad: fault, rows: 1 });
  });

  it('verifies a long chain in one pass', () => {
    const long = chain(chainInputsFixture(20_000));
    expect(verifyChainSync(long.rows, { heads: long.heads })).toMatchObject({ ok: true, rows: 20_000 });
  });

  it('detects a change in any field of any record kind', () => {
    const kinds: Partial<AuditRecord>[] = [
      {
        outcome: 'rejected',
        reason: 'unparseable',
        recipientId: null,
        recipientRole: null,
        outboundId: null,
        inboundSource: null,
        inboundId: null,
        type: null,
        eventTime: null,
        supplyPointHmac: null,
      },
      {
        outcome: 'no-recipient',
        recipientId: null,
        recipientRole: null,
        outboundId: null,
        relations: [],
        purposes: [],
      },
    ];
    for (const kind of kinds) {
      const built2 = chain(chainInputsFixture(3).map((i) => ({ ...i, record: { ...i.record, ...kind } })));
      expect(verifyChainSync(built2.rows, { heads: built2.heads }).ok).toBe(true);
      const edited = built2.rows.map((r, i) => (i === 1 ? { ...r, policyVersion: 'other' } : r));
      expect(firstBad(verifyChainSync(edited, { heads: built2.heads }))).toMatchObject({
        id: built2.rows[1].id,
        problem: 'edited',
      });
    }
  });
});
